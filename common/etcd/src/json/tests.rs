use super::*;

#[test]
fn range_with_omitted_defaults_decodes_to_zeroes() {
    let r = decode_range(br#"{"header":{"cluster_id":"1","revision":"7"}}"#).unwrap();
    assert_eq!(
        r,
        RangeResponse {
            revision: 7,
            kvs: vec![],
            more: false,
            count: 0
        }
    );
}

#[test]
fn range_decodes_int64_strings_and_base64() {
    let body = br#"{"header":{"revision":"12"},"kvs":[{"key":"YQ==","create_revision":"3","mod_revision":"9","version":"2","value":"AAE=","lease":"7587880000000000001"}],"more":true,"count":"5"}"#;
    let r = decode_range(body).unwrap();
    assert_eq!(r.revision, 12);
    assert!(r.more);
    assert_eq!(r.count, 5);
    let kv = &r.kvs[0];
    assert_eq!(
        (kv.key.as_slice(), kv.value.as_slice()),
        (&b"a"[..], &[0u8, 1][..])
    );
    assert_eq!(
        (kv.create_revision, kv.mod_revision, kv.version, kv.lease),
        (3, 9, 2, 7_587_880_000_000_000_001)
    );
}

#[test]
fn garbage_is_a_decode_error() {
    for body in [
        &b"not json"[..],
        b"",
        b"[1,2]",
        br#"{"count":"x"}"#,
        br#"{"kvs":[{"key":"!!"}]}"#,
        br#"{"header":{"revision":"99999999999999999999"}}"#,
    ] {
        assert!(
            matches!(decode_range(body), Err(EtcdError::Decode(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(matches!(
        decode_txn(br#"{"responses":[{}]}"#),
        Err(EtcdError::Decode(_))
    ));
    assert!(matches!(
        decode_watch(br#"{"result":{"events":[{"type":"EXPLODE"}]}}"#),
        Err(EtcdError::Decode(_))
    ));
}

#[test]
fn txn_decodes_each_operation_answer() {
    let body = br#"{"header":{"revision":"4"},"succeeded":true,"responses":[{"response_put":{"header":{}}},{"response_delete_range":{"header":{},"deleted":"2"}},{"response_range":{"header":{},"count":"1","kvs":[{"key":"YQ=="}]}},{"response_delete_range":{"header":{}}}]}"#;
    let t = decode_txn(body).unwrap();
    assert!(t.succeeded);
    assert_eq!(t.revision, 4);
    assert_eq!(t.responses[0], OpResponse::Put);
    assert_eq!(t.responses[1], OpResponse::DeleteRange { deleted: 2 });
    assert!(
        matches!(&t.responses[2], OpResponse::Range(r) if r.count == 1 && r.kvs[0].key == b"a")
    );
    assert_eq!(t.responses[3], OpResponse::DeleteRange { deleted: 0 });
}

#[test]
fn txn_without_succeeded_failed() {
    assert!(
        !decode_txn(br#"{"header":{"revision":"4"}}"#)
            .unwrap()
            .succeeded
    );
}

#[test]
fn keepalive_without_ttl_means_the_lease_is_gone() {
    assert_eq!(
        decode_keepalive(br#"{"result":{"header":{},"ID":"5","TTL":"4"}}"#).unwrap(),
        Some(4)
    );
    assert_eq!(
        decode_keepalive(br#"{"result":{"header":{},"ID":"5"}}"#).unwrap(),
        None
    );
    assert!(matches!(
        decode_keepalive(br#"{"error":{"grpc_code":14,"http_code":503,"message":"no leader"}}"#),
        Err(EtcdError::Server {
            status: 503,
            code: 14,
            ..
        })
    ));
}

#[test]
fn watch_creation_notice_is_skipped_and_events_decoded() {
    assert_eq!(
        decode_watch(br#"{"result":{"header":{"revision":"3"},"created":true}}"#).unwrap(),
        None
    );
    let b = decode_watch(br#"{"result":{"header":{"revision":"5"},"events":[{"kv":{"key":"YQ==","value":"Yg=="}},{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"5"}}]}}"#)
        .unwrap()
        .unwrap();
    assert_eq!(b.events[0].kind, EventKind::Put);
    assert_eq!(b.events[1].kind, EventKind::Delete);
    assert_eq!(b.events[1].kv.mod_revision, 5);
    assert_eq!((b.compact_revision, b.canceled), (None, false));
}

#[test]
fn watch_compaction_is_reported() {
    let b = decode_watch(br#"{"result":{"header":{},"canceled":true,"compact_revision":"9"}}"#)
        .unwrap()
        .unwrap();
    assert_eq!((b.compact_revision, b.canceled), (Some(9), true));
}

#[test]
fn error_body_keeps_code_and_message() {
    let e = decode_error(400, br#"{"error":"etcdserver: too many operations in txn request","code":3,"message":"etcdserver: too many operations in txn request"}"#);
    assert!(
        matches!(e, EtcdError::Server { status: 400, code: 3, ref message } if message.contains("too many"))
    );
    assert!(matches!(
        decode_error(500, b"\xff\xfe"),
        EtcdError::Server {
            status: 500,
            code: 0,
            ..
        }
    ));
}

#[test]
fn lines_join_objects_split_across_chunks() {
    let mut lines = Lines::new(100);
    assert!(lines.push(br#"{"a":"#).unwrap().is_empty());
    assert_eq!(
        lines.push(b"1}\n\n{\"b\"").unwrap(),
        vec![b"{\"a\":1}\n".to_vec()]
    );
    assert_eq!(lines.push(b":2}\n").unwrap(), vec![b"{\"b\":2}\n".to_vec()]);
    assert_eq!(lines.finish(), None);
}

#[test]
fn an_object_over_the_limit_is_too_large() {
    let mut lines = Lines::new(8);
    assert_eq!(
        lines.push(b"0123456789"),
        Err(EtcdError::TooLarge { limit: 8 })
    );
    let mut lines = Lines::new(8);
    assert_eq!(
        lines.push(b"012345678\n"),
        Err(EtcdError::TooLarge { limit: 8 })
    );
}

#[test]
fn requests_encode_int64_as_strings_and_bytes_as_base64() {
    let txn = crate::Txn {
        compare: vec![
            Compare::CreateRevision {
                key: b"l".to_vec(),
                revision: 0,
            },
            Compare::Value {
                key: b"h".to_vec(),
                value: b"1/2".to_vec(),
            },
        ],
        success: vec![Op::Put {
            key: b"k".to_vec(),
            value: vec![0],
            lease: Some(77),
        }],
        failure: vec![Op::DeleteRange {
            key: b"j/".to_vec(),
            range_end: Some(b"j0".to_vec()),
        }],
    };
    let v: Value = serde_json::from_slice(&encode_txn(&txn)).unwrap();
    assert_eq!(
        v["compare"][0],
        json!({"result":"EQUAL","target":"CREATE","key":"bA==","create_revision":"0"})
    );
    assert_eq!(v["compare"][1]["value"], "MS8y");
    assert_eq!(
        v["success"][0]["request_put"],
        json!({"key":"aw==","value":"AA==","lease":"77"})
    );
    assert_eq!(v["failure"][0]["request_delete_range"]["range_end"], "ajA=");
}
