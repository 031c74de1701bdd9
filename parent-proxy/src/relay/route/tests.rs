use crate::router::tests::unreachable_router;

use super::{LEADER, enclave_for_connection};

#[tokio::test]
async fn a_lone_enclave_gets_every_connection() {
    let (router, _stop, _dir) = unreachable_router(1);
    for _ in 0..4 {
        assert_eq!(enclave_for_connection(&router), LEADER);
    }
}

#[tokio::test]
async fn without_a_connected_caught_up_enclave_connections_fall_back_to_the_leader() {
    // Nothing is connected (the enclaves are unreachable), so no enclave serves reads: every
    // connection goes to the leader, whose relay then fails and is counted.
    let (router, _stop, _dir) = unreachable_router(3);
    for _ in 0..6 {
        assert_eq!(enclave_for_connection(&router), LEADER);
    }
}
