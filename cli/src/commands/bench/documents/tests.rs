use super::{MAX_AUTOMATIC, Need, percent, plan, warm_up_requests};

#[test]
fn a_counted_run_makes_one_document_per_request_and_says_so() {
    let p = plan(Need::Requests(20));
    assert_eq!(p.count, 20);
    assert!(p.why.contains("--requests 20"), "{}", p.why);
}

#[test]
fn a_chosen_count_is_kept_as_it_is() {
    let p = plan(Need::Chosen(30_000));
    assert_eq!(p.count, 30_000);
    assert!(p.why.contains("--documents"), "{}", p.why);
}

#[test]
fn a_timed_run_makes_what_its_duration_needs_at_the_measured_rate_with_a_margin() {
    let p = plan(Need::Measured {
        rate: 1_000.0,
        seconds: 3.0,
    });
    assert_eq!(p.count, 3_750);
    for part in ["3 s", "1000 requests per second", "warm-up", "25%"] {
        assert!(p.why.contains(part), "{part} not in: {}", p.why);
    }
    assert!(!p.why.contains("capped"), "{}", p.why);
}

#[test]
fn a_timed_run_at_a_high_rate_is_capped_and_says_how_to_get_more() {
    let p = plan(Need::Measured {
        rate: 100_000.0,
        seconds: 10.0,
    });
    assert_eq!(p.count, MAX_AUTOMATIC);
    for part in ["capped", "1250000", "--documents"] {
        assert!(p.why.contains(part), "{part} not in: {}", p.why);
    }
}

#[test]
fn a_warm_up_that_measured_nothing_still_makes_one_document() {
    let p = plan(Need::Measured {
        rate: 0.0,
        seconds: 2.0,
    });
    assert_eq!(p.count, 1);
}

#[test]
fn the_warm_up_grows_with_concurrency_within_bounds() {
    assert_eq!(warm_up_requests(1), 200);
    assert_eq!(warm_up_requests(64), 1_024);
    assert_eq!(warm_up_requests(usize::MAX), 2_000);
}

#[test]
fn progress_is_in_whole_percent_and_nothing_to_do_is_done() {
    assert_eq!(percent(0, 200), 0);
    assert_eq!(percent(199, 200), 99);
    assert_eq!(percent(200, 200), 100);
    assert_eq!(percent(0, 0), 100);
}
