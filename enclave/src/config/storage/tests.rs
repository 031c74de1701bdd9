use super::*;
use crate::config::{Args, Config};
use clap::Parser;

/// A directory with a valid PEM certificate (`cert.pem`) and a file that is not PEM (`bad.pem`).
fn pem_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["etcd".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.path().join("bad.pem"), "not a certificate").unwrap();
    dir
}

fn etcd_settings(dir: &Path) -> StorageSettings {
    StorageSettings {
        storage: Some("etcd".to_owned()),
        etcd_endpoints: Some("127.0.0.1:2379".to_owned()),
        etcd_ca: Some(dir.join("cert.pem")),
        etcd_client_certificate: Some(dir.join("cert.pem")),
        ..StorageSettings::default()
    }
}

#[test]
fn storage_defaults_to_files_and_etcd_settings_need_etcd() {
    assert_eq!(
        StorageSettings::default().resolve().unwrap(),
        StorageConfig::Files
    );
    let err = StorageSettings {
        etcd_prefix: Some("/x/".to_owned()),
        ..StorageSettings::default()
    }
    .resolve()
    .unwrap_err();
    assert!(err.to_string().contains("storage = \"etcd\""), "{err}");
    let err = StorageSettings {
        storage: Some("s3".to_owned()),
        ..StorageSettings::default()
    }
    .resolve()
    .unwrap_err();
    assert!(err.to_string().contains("storage = \"s3\""), "{err}");
}

#[test]
fn etcd_defaults_apply_and_the_pem_files_are_read() {
    let dir = pem_dir();
    let StorageConfig::Etcd(etcd) = etcd_settings(dir.path()).resolve().unwrap() else {
        panic!("not etcd");
    };
    assert_eq!(etcd.endpoints, vec!["127.0.0.1:2379".to_owned()]);
    assert_eq!(etcd.prefix, b"/nitro-kms/".to_vec());
    assert_eq!(etcd.lease_ttl, Duration::from_secs(5));
    assert_eq!(etcd.timeout, Duration::from_millis(2000));
    assert_eq!(etcd.relay, None);
    assert_eq!(
        etcd.ca_pem,
        std::fs::read(dir.path().join("cert.pem")).unwrap()
    );
}

#[test]
fn each_etcd_setting_is_validated_and_named_in_its_error() {
    let dir = pem_dir();
    type Edit = fn(&mut StorageSettings, &Path);
    let cases: [(&str, Edit, Option<&str>); 16] = [
        (
            "two endpoints",
            |s, _| s.etcd_endpoints = Some("a.example:2379, 10.0.0.1:2380".into()),
            None,
        ),
        (
            "ipv6 endpoint",
            |s, _| s.etcd_endpoints = Some("[::1]:2379".into()),
            None,
        ),
        (
            "no endpoints",
            |s, _| s.etcd_endpoints = None,
            Some("etcd_endpoints"),
        ),
        (
            "empty endpoints",
            |s, _| s.etcd_endpoints = Some(" , ".into()),
            Some("etcd_endpoints"),
        ),
        (
            "no port",
            |s, _| s.etcd_endpoints = Some("etcd.example".into()),
            Some("etcd_endpoints"),
        ),
        (
            "port 0",
            |s, _| s.etcd_endpoints = Some("etcd:0".into()),
            Some("etcd_endpoints"),
        ),
        (
            "bad host",
            |s, _| s.etcd_endpoints = Some("et cd:2379".into()),
            Some("etcd_endpoints"),
        ),
        ("no ca", |s, _| s.etcd_ca = None, Some("etcd_ca")),
        (
            "missing ca",
            |s, d| s.etcd_ca = Some(d.join("absent.pem")),
            Some("etcd_ca"),
        ),
        (
            "ca not pem",
            |s, d| s.etcd_ca = Some(d.join("bad.pem")),
            Some("etcd_ca"),
        ),
        (
            "cert not pem",
            |s, d| s.etcd_client_certificate = Some(d.join("bad.pem")),
            Some("etcd_client_certificate"),
        ),
        (
            "prefix without slash",
            |s, _| s.etcd_prefix = Some("/nitro-kms".into()),
            Some("etcd_prefix"),
        ),
        (
            "relay not an address",
            |s, _| s.etcd_relay = Some("3:8001".into()),
            Some("etcd_relay"),
        ),
        (
            "ttl 1",
            |s, _| s.etcd_lease_ttl_secs = Some(1),
            Some("etcd_lease_ttl_secs"),
        ),
        (
            "ttl 61",
            |s, _| s.etcd_lease_ttl_secs = Some(61),
            Some("etcd_lease_ttl_secs"),
        ),
        (
            "timeout 0",
            |s, _| s.etcd_timeout_ms = Some(0),
            Some("etcd_timeout_ms"),
        ),
    ];
    for (name, edit, error) in cases {
        let mut settings = etcd_settings(dir.path());
        edit(&mut settings, dir.path());
        match (settings.resolve(), error) {
            (Ok(_), None) => {}
            (Err(e), Some(setting)) => assert!(e.to_string().contains(setting), "{name}: {e}"),
            (result, _) => panic!("{name}: unexpected {result:?}"),
        }
    }
}

#[test]
fn etcd_without_a_relay_is_refused_outside_the_simulation() {
    let dir = pem_dir();
    let StorageConfig::Etcd(mut etcd) = etcd_settings(dir.path()).resolve().unwrap() else {
        panic!("not etcd");
    };
    assert!(check(&StorageConfig::Etcd(etcd.clone()), true).is_ok());
    let err = check(&StorageConfig::Etcd(etcd.clone()), false).unwrap_err();
    assert!(err.to_string().contains("etcd_relay"), "{err}");
    etcd.relay = Some("vsock://3:8001".to_owned());
    assert!(check(&StorageConfig::Etcd(etcd), false).is_ok());
    assert!(check(&StorageConfig::Files, false).is_ok());
}

#[test]
fn flags_and_the_file_reach_the_resolved_config() {
    let dir = pem_dir();
    let cert = dir.path().join("cert.pem");
    let file = dir.path().join("enclave.toml");
    std::fs::write(
        &file,
        format!(
            "simulate = true\nstate_dir = \"/tmp/x\"\nstorage = \"etcd\"\netcd_endpoints = \"e1:2379\"\n\
             etcd_ca = {cert:?}\netcd_client_certificate = {cert:?}\netcd_prefix = \"/p/\"\n"
        ),
    )
    .unwrap();
    let config = Config::resolve(
        Args::try_parse_from([
            "nitro-kms-enclave",
            "--config",
            file.to_str().unwrap(),
            "--etcd-lease-ttl-secs",
            "7",
        ])
        .unwrap(),
    )
    .unwrap();
    let StorageConfig::Etcd(etcd) = config.storage else {
        panic!("not etcd");
    };
    assert_eq!(etcd.endpoints, vec!["e1:2379".to_owned()]);
    assert_eq!(etcd.prefix, b"/p/".to_vec());
    assert_eq!(etcd.lease_ttl, Duration::from_secs(7));
}
