use crate::router::tests::unreachable_router;

use super::{LEADER, enclave_for_connection};

#[tokio::test]
async fn every_connection_goes_to_the_leader_until_replicas_forward_mutations() {
    for enclaves in [1, 3] {
        let (router, _stop, _dir) = unreachable_router(enclaves);
        for _ in 0..4 {
            assert_eq!(enclave_for_connection(&router), LEADER);
        }
    }
}
