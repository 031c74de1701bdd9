use super::prefix_end;

#[test]
fn prefix_end_increments_the_last_byte() {
    assert_eq!(prefix_end(b"/nitro-kms/"), b"/nitro-kms0".to_vec());
    assert_eq!(prefix_end(b"a"), b"b".to_vec());
}

#[test]
fn prefix_end_drops_trailing_ff_bytes() {
    assert_eq!(prefix_end(&[b'a', 0xff, 0xff]), vec![b'b']);
}

#[test]
fn prefix_end_of_empty_or_all_ff_is_every_key() {
    assert_eq!(prefix_end(b""), vec![0]);
    assert_eq!(prefix_end(&[0xff, 0xff]), vec![0]);
}

/// The fuzz target's entry point survives the committed seeds and many cheap mutations of them
/// (what `make fuzz` does at length, in a few milliseconds).
#[test]
fn every_answer_decoder_survives_mutated_etcd_answers() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/etcd_answer");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    assert!(seeds.len() >= 6, "{}", corpus.display());
    seeds.push(Vec::new());
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in &seeds {
        crate::fuzz_decode_answers(seed);
        for _ in 0..2_000 {
            let mut input = seed.clone();
            for _ in 0..(next() % 4 + 1) {
                let at = if input.is_empty() {
                    0
                } else {
                    (next() as usize) % input.len()
                };
                match next() % 3 {
                    0 if !input.is_empty() => input[at] = next() as u8,
                    1 => input.insert(at.min(input.len()), next() as u8),
                    _ => input.truncate(at),
                }
            }
            crate::fuzz_decode_answers(&input);
        }
    }
}
