use super::*;

const ARN: &str = "kms:arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A configuration fit for an image, with `changes` applied: `(key, Some(value))` sets a key
/// (TOML value text), `(key, None)` removes it.
fn image_config(changes: &[(&str, Option<&str>)]) -> String {
    let seal_root = format!("{ARN:?}");
    let mut settings: Vec<(&str, String)> = vec![
        ("listen", "\"vsock://ANY:5000\"".to_owned()),
        ("region", "\"us-east-1\"".to_owned()),
        ("account", "\"111122223333\"".to_owned()),
        ("seal_root", seal_root),
        ("seal_root_relay", "\"vsock://3:8000\"".to_owned()),
    ];
    for (key, value) in changes {
        settings.retain(|(k, _)| k != key);
        if let Some(v) = value {
            settings.push((key, (*v).to_owned()));
        }
    }
    settings
        .iter()
        .map(|(k, v)| format!("{k} = {v}\n"))
        .collect()
}

/// Writes `text` to a file and checks it.
fn check_text(text: &str, production: bool) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enclave.toml");
    std::fs::write(&path, text).unwrap();
    check_file(&path, production)
}

fn not_in_an_image(report: &Report) -> Vec<&'static str> {
    report
        .problems
        .iter()
        .filter_map(|p| match p {
            Problem::NotInAnImage { key, .. } => Some(*key),
            _ => None,
        })
        .collect()
}

#[test]
fn the_deploy_example_is_fit_for_an_enclave_image() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/enclave.toml.example");
    let report = check_file(&example, true);
    assert_eq!(report.exit_status(), 0, "{report:?}");
    assert!(report.notes.is_empty(), "{report:?}");
    assert!(
        report.summary.contains("fit for an enclave image")
            && report.summary.contains("listen vsock://ANY:5000"),
        "{}",
        report.summary
    );
}

#[test]
fn a_good_image_configuration_passes_with_and_without_production() {
    for production in [false, true] {
        let report = check_text(&image_config(&[]), production);
        assert_eq!(report.exit_status(), 0, "{report:?}");
        assert!(report.problems.is_empty());
    }
}

#[test]
fn every_setting_an_image_must_not_have_is_reported_by_name() {
    let cases = [
        ("simulate", "true"),
        ("trust_simulated_root", "\"/var/lib/nitro-kms/root.pem\""),
        ("ephemeral_sealing_key", "true"),
        ("state_dir", "\"/var/lib/nitro-kms\""),
        ("simulated_image", "\"/bin/true\""),
        ("seal_root_ca", "\"/etc/test-ca.pem\""),
        ("allow_cleartext", "true"),
    ];
    for (key, value) in cases {
        let report = check_text(&image_config(&[(key, Some(value))]), true);
        assert_eq!(report.exit_status(), 1, "{key}: {report:?}");
        assert_eq!(not_in_an_image(&report), vec![key], "{report:?}");
        let line = report
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>();
        assert!(
            line.iter()
                .any(|l| l.contains(&format!("`{key}` must not be set in an enclave image"))),
            "{line:?}"
        );
    }
}

#[test]
fn all_broken_rules_are_reported_at_once() {
    let text = image_config(&[
        ("simulate", Some("true")),
        ("state_dir", Some("\"/tmp/world\"")),
        ("listen", Some("\"unix:///run/enclave.sock\"")),
        ("seal_root_relay", Some("\"direct\"")),
    ]);
    let report = check_text(&text, true);
    assert_eq!(report.exit_status(), 1);
    assert_eq!(not_in_an_image(&report), vec!["simulate", "state_dir"]);
    assert!(
        report
            .problems
            .contains(&Problem::NotVsock("unix:///run/enclave.sock".into()))
    );
    assert!(
        report
            .problems
            .contains(&Problem::RelayNotOnParent("direct".into()))
    );
    // Without --production the same file is a valid simulation.
    assert_eq!(check_text(&text, false).exit_status(), 0);
}

#[test]
fn an_image_needs_a_seal_root() {
    let report = check_text(
        &image_config(&[("seal_root", None), ("seal_root_relay", None)]),
        true,
    );
    assert_eq!(report.exit_status(), 1);
    assert!(report.problems.contains(&Problem::NoSealRoot), "{report:?}");
    // The enclave's own start-up check says the same in its words, production or not.
    assert!(
        report
            .problems
            .iter()
            .any(|p| matches!(p, Problem::Refused(r) if r.contains("--seal-root"))),
        "{report:?}"
    );
    let report = check_text(
        &image_config(&[("seal_root", None), ("seal_root_relay", None)]),
        false,
    );
    assert_eq!(report.exit_status(), 1, "{report:?}");
    assert!(!report.problems.contains(&Problem::NoSealRoot));
}

#[test]
fn the_relay_must_be_a_port_on_the_parent() {
    for relay in [
        "\"vsock://5:8000\"",
        "\"tcp://10.0.0.1:8000\"",
        "\"vsock://3:ANY\"",
    ] {
        let report = check_text(&image_config(&[("seal_root_relay", Some(relay))]), true);
        assert_eq!(
            report.problems,
            vec![Problem::RelayNotOnParent(
                relay.trim_matches('"').to_owned()
            )],
            "{relay}"
        );
    }
    // Unset, the relay is the parent's default port.
    let report = check_text(&image_config(&[("seal_root_relay", None)]), true);
    assert_eq!(report.exit_status(), 0, "{report:?}");
}

#[test]
fn what_the_enclave_refuses_at_start_up_is_a_problem_without_production_too() {
    let alias = "\"kms:arn:aws:kms:us-east-1:111122223333:alias/seal\"";
    let http = "\"http://kms.us-east-1.amazonaws.com\"";
    for (change, words) in [
        (("seal_root", Some(alias)), "not a KMS key ARN"),
        (("seal_root_endpoint", Some(http)), "must be https://"),
        (("account", Some("\"12\"")), "12 digits"),
        (("listen", Some("\"somewhere\"")), "listen = \"somewhere\""),
    ] {
        let report = check_text(&image_config(&[change]), false);
        assert_eq!(report.exit_status(), 1, "{change:?}: {report:?}");
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.to_string().contains(words)),
            "{change:?}: {report:?}"
        );
    }
}

#[test]
fn an_unreadable_or_unparseable_file_is_status_2() {
    for text in ["listen = = nope\n", "simulte = true\n", "region = 5\n"] {
        let report = check_text(text, true);
        assert_eq!(report.exit_status(), 2, "{text}: {report:?}");
        assert!(
            report
                .unreadable
                .as_deref()
                .unwrap_or("")
                .contains("config file")
        );
    }
    let report = check_file(Path::new("/nonexistent/enclave.toml"), false);
    assert_eq!(report.exit_status(), 2);
}

#[test]
fn an_endpoint_without_the_keys_region_is_a_note_not_a_problem() {
    let endpoint = "\"https://vpce-0123-abcd.kms.vpce.amazonaws.com\"";
    let report = check_text(
        &image_config(&[("seal_root_endpoint", Some(endpoint))]),
        true,
    );
    assert_eq!(report.exit_status(), 0, "{report:?}");
    assert_eq!(report.notes.len(), 1);
    assert!(report.notes[0].contains("us-east-1"), "{:?}", report.notes);
}

#[test]
fn a_production_config_that_allows_cleartext_is_refused_and_can_turn_it_off() {
    let report = check_text(&image_config(&[("allow_cleartext", Some("true"))]), true);
    assert_eq!(report.exit_status(), 1, "{report:?}");
    assert_eq!(not_in_an_image(&report), vec!["allow_cleartext"]);
    let off = check_text(
        &image_config(&[
            ("allow_cleartext", Some("false")),
            ("http_listen", Some("\"vsock://ANY:5001\"")),
            ("tls_names", Some("[\"kms.internal.example\"]")),
        ]),
        true,
    );
    assert_eq!(off.exit_status(), 0, "{off:?}");
}

#[test]
fn a_production_endpoint_needs_tls_names() {
    let unnamed = check_text(
        &image_config(&[("http_listen", Some("\"vsock://ANY:5001\""))]),
        true,
    );
    assert_eq!(unnamed.exit_status(), 1, "{unnamed:?}");
    assert_eq!(unnamed.problems, vec![Problem::NoTlsName]);
    assert!(unnamed.problems[0].to_string().contains("tls_names"));
    let named = check_text(
        &image_config(&[
            ("http_listen", Some("\"vsock://ANY:5001\"")),
            (
                "tls_names",
                Some("[\"kms.internal.example\", \"10.0.0.5\"]"),
            ),
        ]),
        true,
    );
    assert_eq!(named.exit_status(), 0, "{named:?}");
}

#[test]
fn a_production_etcd_store_needs_its_relay_on_the_parent() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["etcd".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let pem = dir.path().join("ca.pem");
    std::fs::write(&pem, cert.pem()).unwrap();
    let pem = format!("{:?}", pem.display().to_string());
    let etcd = |relay: Option<&'static str>| {
        let mut changes = vec![
            ("storage", Some("\"etcd\"")),
            ("etcd_endpoints", Some("\"10.0.0.1:2379\"")),
            ("etcd_ca", Some(pem.as_str())),
            ("etcd_client_certificate", Some(pem.as_str())),
        ];
        changes.push(("etcd_relay", relay));
        image_config(&changes)
    };
    let report = check_text(&etcd(Some("\"vsock://3:8001\"")), true);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let report = check_text(&etcd(Some("\"tcp://10.0.0.1:8001\"")), true);
    assert_eq!(
        report.problems,
        vec![Problem::EtcdRelayNotOnParent("tcp://10.0.0.1:8001".into())]
    );
    // Without a relay the enclave itself refuses it (not simulated), production or not.
    let report = check_text(&etcd(None), false);
    assert!(
        matches!(&report.problems[..], [Problem::Refused(why)] if why.contains("etcd_relay")),
        "{:?}",
        report.problems
    );
}
