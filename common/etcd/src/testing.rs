//! A real etcd cluster with mutual TLS on loopback, for tests and demos (`feature = "testing"`).
//!
//! [`TestCluster::start`] makes a PKI with rcgen (a CA; per member a certificate for
//! `127.0.0.1` and `localhost` with both serverAuth and clientAuth, since etcd's own gateway
//! dials its gRPC port with it), then starts N `etcd` processes with TLS on client and peer URLs,
//! client certificate authentication, fast raft timing, free loopback ports, data dirs and logs
//! under the given directory. Every member is killed when the cluster is dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData, SignatureAlgorithm,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::{ClientOptions, Endpoint, EtcdClient, RangeRequest, TcpConnect, Tls};

/// Why the test cluster could not be made or started.
#[derive(Debug, thiserror::Error)]
pub enum TestClusterError {
    /// No etcd binary (`NITRO_KMS_ETCD_BIN`, or `etcd` on PATH).
    #[error("no etcd binary: set NITRO_KMS_ETCD_BIN or put etcd on PATH")]
    NoEtcd,
    /// Certificate generation failed.
    #[error("test PKI: {0}")]
    Pki(String),
    /// A file or process operation failed.
    #[error("{0}")]
    Io(String),
    /// The cluster did not become healthy in time.
    #[error("etcd cluster not healthy in time: {0}")]
    NotHealthy(String),
}

fn pki(e: impl std::fmt::Display) -> TestClusterError {
    TestClusterError::Pki(e.to_string())
}

fn io(what: &str) -> impl Fn(std::io::Error) -> TestClusterError + '_ {
    move |e| TestClusterError::Io(format!("{what}: {e}"))
}

/// The etcd binary: `NITRO_KMS_ETCD_BIN`, else `etcd` on PATH.
pub fn etcd_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NITRO_KMS_ETCD_BIN") {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("etcd"))
        .find(|candidate| candidate.is_file())
}

/// `etcd --version`'s first line (for test output), if etcd is there.
pub fn etcd_version() -> Option<String> {
    let output = Command::new(etcd_binary()?)
        .arg("--version")
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .map(str::to_string)
}

/// A certificate authority: its parameters and key, to issue certificates.
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

impl Ca {
    fn generate(name: &str) -> Result<Ca, TestClusterError> {
        let key = KeyPair::generate().map_err(pki)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(pki)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let pem = params.self_signed(&key).map_err(pki)?.pem();
        Ok(Ca { params, key, pem })
    }

    /// A certificate for `public_key`, named `names`, with `usages`.
    fn issue(
        &self,
        public_key: &impl PublicKeyData,
        common_name: &str,
        names: Vec<String>,
        usages: Vec<ExtendedKeyUsagePurpose>,
    ) -> Result<String, TestClusterError> {
        let mut params = CertificateParams::new(names).map_err(pki)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = usages;
        params.use_authority_key_identifier_extension = true;
        let issuer = Issuer::from_params(&self.params, &self.key);
        Ok(params.signed_by(public_key, &issuer).map_err(pki)?.pem())
    }
}

/// The DER header of a P-256 SubjectPublicKeyInfo (id-ecPublicKey, prime256v1, 65-byte point).
const P256_SPKI_HEADER: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// A P-256 public key known only by its point (a key we do not hold: the enclave's).
struct P256Point(Vec<u8>);

impl PublicKeyData for P256Point {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

/// One etcd member's fixed settings.
struct Member {
    name: String,
    client_port: u16,
    peer_port: u16,
    child: Option<Child>,
}

/// A running etcd cluster with mutual TLS; dropping it kills every member.
pub struct TestCluster {
    binary: PathBuf,
    dir: PathBuf,
    ca: Ca,
    members: Vec<Member>,
    initial_cluster: String,
    client_tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for TestCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCluster")
            .field("dir", &self.dir)
            .field("members", &self.members.len())
            .finish()
    }
}

/// `count` distinct free loopback ports (held together while picked, so they differ).
fn free_ports(count: usize) -> Result<Vec<u16>, TestClusterError> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io("free port"))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io("free port"))
}

/// A rustls client configuration trusting `ca_pem` only, with the client identity given.
pub(crate) fn tls_config(
    ca_pem: &str,
    cert_pem: &str,
    key: &KeyPair,
) -> Result<Arc<rustls::ClientConfig>, TestClusterError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.map_err(pki)?).map_err(pki)?;
    }
    let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(pki)?;
    let key = PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes()).map_err(pki)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(pki)?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(pki)?;
    Ok(Arc::new(config))
}

impl TestCluster {
    /// Starts a `members`-member cluster under `dir` and waits (bounded) until it answers.
    pub async fn start(members: usize, dir: &Path) -> Result<TestCluster, TestClusterError> {
        let binary = etcd_binary().ok_or(TestClusterError::NoEtcd)?;
        let ca = Ca::generate("nitro-kms test etcd CA")?;
        std::fs::write(dir.join("ca.pem"), &ca.pem).map_err(io("ca.pem"))?;
        let ports = free_ports(members * 2)?;
        let mut list = Vec::with_capacity(members);
        for i in 0..members {
            let name = format!("m{i}");
            let key = KeyPair::generate().map_err(pki)?;
            let names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
            let usages = vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ];
            let cert = ca.issue(&key, &name, names, usages)?;
            std::fs::write(dir.join(format!("{name}.crt")), cert)
                .map_err(io("member certificate"))?;
            std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem())
                .map_err(io("member key"))?;
            list.push(Member {
                name,
                client_port: ports[2 * i],
                peer_port: ports[2 * i + 1],
                child: None,
            });
        }
        let initial_cluster = list
            .iter()
            .map(|m| format!("{}=https://127.0.0.1:{}", m.name, m.peer_port))
            .collect::<Vec<_>>()
            .join(",");
        let client_key = KeyPair::generate().map_err(pki)?;
        let client_cert = ca.issue(
            &client_key,
            "nitro-kms test client",
            vec![],
            vec![ExtendedKeyUsagePurpose::ClientAuth],
        )?;
        let client_tls = tls_config(&ca.pem, &client_cert, &client_key)?;
        let mut cluster = TestCluster {
            binary,
            dir: dir.to_path_buf(),
            ca,
            members: list,
            initial_cluster,
            client_tls,
        };
        for i in 0..members {
            cluster.spawn(i)?;
        }
        cluster.wait_healthy(None).await?;
        Ok(cluster)
    }

    fn spawn(&mut self, i: usize) -> Result<(), TestClusterError> {
        let dir = self.dir.clone();
        let member = self
            .members
            .get_mut(i)
            .ok_or_else(|| TestClusterError::Io(format!("no member {i}")))?;
        let name = member.name.clone();
        let file = |suffix: &str| dir.join(format!("{name}{suffix}")).display().to_string();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{name}.log")))
            .map_err(io("member log"))?;
        let log2 = log.try_clone().map_err(io("member log"))?;
        let client_url = format!("https://127.0.0.1:{}", member.client_port);
        let peer_url = format!("https://127.0.0.1:{}", member.peer_port);
        let ca = dir.join("ca.pem").display().to_string();
        let child = Command::new(&self.binary)
            .args(["--name", &name, "--data-dir", &file(".data")])
            .args([
                "--listen-client-urls",
                &client_url,
                "--advertise-client-urls",
                &client_url,
            ])
            .args([
                "--listen-peer-urls",
                &peer_url,
                "--initial-advertise-peer-urls",
                &peer_url,
            ])
            .args([
                "--initial-cluster",
                &self.initial_cluster,
                "--initial-cluster-state",
                "new",
            ])
            .args(["--initial-cluster-token", "nitro-kms-test"])
            .args(["--cert-file", &file(".crt"), "--key-file", &file(".key")])
            .args(["--client-cert-auth", "--trusted-ca-file", &ca])
            .args([
                "--peer-cert-file",
                &file(".crt"),
                "--peer-key-file",
                &file(".key"),
            ])
            .args(["--peer-client-cert-auth", "--peer-trusted-ca-file", &ca])
            .args(["--heartbeat-interval", "100", "--election-timeout", "1000"])
            .args(["--logger", "zap"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(io("start etcd"))?;
        member.child = Some(child);
        Ok(())
    }

    /// A client of this cluster (all members, or only `only`).
    pub fn client(&self, only: Option<usize>) -> Result<EtcdClient, crate::EtcdError> {
        let endpoints = match only {
            Some(i) => self.endpoints().into_iter().skip(i).take(1).collect(),
            None => self.endpoints(),
        };
        let options = ClientOptions {
            endpoints,
            tls: Tls::Rustls(self.client_tls.clone()),
            request_timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(2),
            max_response: 4 << 20,
        };
        EtcdClient::new(options, Arc::new(TcpConnect))
    }

    /// Waits (at most 20 s) until every running member (or member `only`) serves a linearizable read.
    async fn wait_healthy(&self, only: Option<usize>) -> Result<(), TestClusterError> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let targets: Vec<usize> = match only {
            Some(i) => vec![i],
            None => (0..self.members.len())
                .filter(|i| self.members[*i].child.is_some())
                .collect(),
        };
        for i in targets {
            let client = self
                .client(Some(i))
                .map_err(|e| TestClusterError::NotHealthy(e.to_string()))?;
            loop {
                let read = client
                    .range(RangeRequest {
                        key: b"health".to_vec(),
                        ..Default::default()
                    })
                    .await;
                match read {
                    Ok(_) => break,
                    Err(e) if Instant::now() > deadline => {
                        return Err(TestClusterError::NotHealthy(format!(
                            "member {i}: {e} (logs in {})",
                            self.dir.display()
                        )));
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
        Ok(())
    }

    /// The members' client endpoints (`127.0.0.1:port`), in member order.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.members
            .iter()
            .map(|m| Endpoint {
                host: "127.0.0.1".into(),
                port: m.client_port,
            })
            .collect()
    }

    /// The cluster CA's certificate, PEM (the only root the enclave trusts for etcd).
    pub fn ca_pem(&self) -> String {
        self.ca.pem.clone()
    }

    /// A client identity signed by the CA, for tools and tests.
    pub fn client_tls(&self) -> Arc<rustls::ClientConfig> {
        self.client_tls.clone()
    }

    /// A client certificate (PEM, EKU clientAuth) from the cluster CA for a P-256 public key
    /// given as DER SubjectPublicKeyInfo (the enclave's derived key: its private half never
    /// leaves the enclave).
    pub fn issue_client_certificate(
        &self,
        public_key_spki_der: &[u8],
    ) -> Result<String, TestClusterError> {
        let point = public_key_spki_der
            .strip_prefix(&P256_SPKI_HEADER[..])
            .filter(|point| point.len() == 65 && point[0] == 4)
            .ok_or_else(|| TestClusterError::Pki("not a P-256 SubjectPublicKeyInfo".into()))?;
        self.ca.issue(
            &P256Point(point.to_vec()),
            "nitro-kms enclave",
            vec![],
            vec![ExtendedKeyUsagePurpose::ClientAuth],
        )
    }

    /// Kills member `i` (SIGKILL) and waits for it to exit.
    pub fn stop_member(&mut self, i: usize) -> Result<(), TestClusterError> {
        if let Some(mut child) = self.members.get_mut(i).and_then(|m| m.child.take()) {
            let _ = child.kill();
            child.wait().map_err(io("wait for etcd"))?;
        }
        Ok(())
    }

    /// Restarts member `i` on its data dir (it rejoins) and waits until it answers.
    pub async fn start_member(&mut self, i: usize) -> Result<(), TestClusterError> {
        if self.members.get(i).is_some_and(|m| m.child.is_none()) {
            self.spawn(i)?;
        }
        self.wait_healthy(Some(i)).await
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        for member in &mut self.members {
            if let Some(mut child) = member.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// A fresh CA that has nothing to do with any cluster (PEM), and a client configuration
/// trusting only it: a server certificate of the cluster is then "from another CA".
pub fn another_ca_client_tls() -> Result<(String, Arc<rustls::ClientConfig>), TestClusterError> {
    let ca = Ca::generate("another CA")?;
    let key = KeyPair::generate().map_err(pki)?;
    let cert = ca.issue(
        &key,
        "another client",
        vec![],
        vec![ExtendedKeyUsagePurpose::ClientAuth],
    )?;
    let config = tls_config(&ca.pem, &cert, &key)?;
    Ok((ca.pem, config))
}
