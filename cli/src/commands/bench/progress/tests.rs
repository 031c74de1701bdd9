use super::Progress;

#[test]
fn off_a_terminal_every_update_is_a_plain_line_of_its_own() {
    let p = Progress { in_place: false };
    assert_eq!(
        p.render("documents 1/2 (50%)", false),
        "bench: documents 1/2 (50%)\n"
    );
    assert_eq!(
        p.render("documents 2/2 (100%)", true),
        "bench: documents 2/2 (100%)\n"
    );
}

#[test]
fn on_a_terminal_updates_rewrite_one_line_and_the_last_ends_it() {
    let p = Progress { in_place: true };
    let update = p.render("documents 1/2 (50%)", false);
    assert!(
        update.starts_with('\r') && !update.contains('\n'),
        "{update:?}"
    );
    let last = p.render("documents 2/2 (100%)", true);
    assert!(last.starts_with('\r') && last.ends_with('\n'), "{last:?}");
}
