use super::*;

#[test]
fn only_the_models_tracked_operations_are_recorded() {
    let tracker = KeyUsageTracker::default();
    tracker.record("k", Operation::DescribeKey, 10, "r1".into());
    assert_eq!(tracker.pending("k"), None);
    tracker.record("k", Operation::Sign, 20, "r2".into());
    tracker.record("k", Operation::Verify, 30, "r3".into());
    let used = tracker.pending("k").unwrap();
    assert_eq!((used.operation, used.at_ms), ("Verify", 30));
    assert_eq!(used.request_id, "r3");
}

#[test]
fn tracking_starts_at_the_first_record_or_query_and_stays() {
    let tracker = KeyUsageTracker::default();
    tracker.record("k", Operation::Encrypt, 100, "r".into());
    assert_eq!(tracker.since_ms(500), 100);
    let other = KeyUsageTracker::default();
    assert_eq!(other.since_ms(500), 500);
    assert_eq!(other.since_ms(900), 500);
}

#[test]
fn a_failed_flush_keeps_uses_but_never_over_a_newer_one() {
    let tracker = KeyUsageTracker::default();
    tracker.record("a", Operation::Encrypt, 1, "r1".into());
    tracker.record("b", Operation::Encrypt, 2, "r2".into());
    let taken = tracker.take();
    tracker.record("a", Operation::Decrypt, 3, "r3".into());
    tracker.restore(taken);
    assert_eq!(tracker.pending("a").unwrap().operation, "Decrypt");
    assert_eq!(tracker.pending("b").unwrap().at_ms, 2);
}

#[tokio::test]
async fn the_request_id_in_scope_is_the_one_recorded() {
    let id = REQUEST_ID
        .scope("req-1".to_owned(), async { current_request_id() })
        .await;
    assert_eq!(id, "req-1");
    assert_ne!(current_request_id(), "req-1");
}
