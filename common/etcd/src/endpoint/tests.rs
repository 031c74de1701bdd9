use super::Endpoint;

#[test]
fn host_port_parses_and_displays_back() {
    for text in ["127.0.0.1:2379", "etcd-0.internal:2379", "[::1]:2379"] {
        let endpoint: Endpoint = text.parse().unwrap();
        assert_eq!(endpoint.to_string(), text);
    }
    let v6: Endpoint = "[::1]:1".parse().unwrap();
    assert_eq!((v6.host.as_str(), v6.port), ("::1", 1));
}

#[test]
fn malformed_endpoints_are_config_errors() {
    for text in [
        "",
        "host",
        "host:",
        ":2379",
        "host:0",
        "host:65536",
        "host:+1",
        "[::1",
        "[::1]2379",
        "a b:1",
        "https://h:1",
    ] {
        assert!(
            matches!(text.parse::<Endpoint>(), Err(crate::EtcdError::Config(_))),
            "{text}"
        );
    }
}
