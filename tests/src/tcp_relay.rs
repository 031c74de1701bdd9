//! A TCP listener on loopback that relays each connection, byte for byte, to a Unix socket: what
//! an honest parent does for a caller's connection, without the proxy. Tests that want the
//! enclave's own endpoint (`enclave-http.sock`) on a TCP port — for clients that speak only TCP,
//! such as the AWS CLI — put one in front of it. It stops accepting when dropped.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The relay; see the module docs.
pub struct TcpRelay {
    /// The loopback port it listens on.
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl TcpRelay {
    /// Listens on a free loopback port and relays every connection to `socket`.
    pub fn to(socket: PathBuf) -> TcpRelay {
        let listener =
            TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("relay bind: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("relay address: {e}"))
            .port();
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("relay nonblocking: {e}"));
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        if let Ok(enclave) = UnixStream::connect(&socket) {
                            pipe_both(client, enclave);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        TcpRelay { port, stop }
    }

    /// `https://localhost:PORT`: a name the simulated enclave's certificate carries.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
}

impl Drop for TcpRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Copies each direction on its own thread until its reader ends, then half-closes the other side.
fn pipe_both(client: TcpStream, enclave: UnixStream) {
    let (Ok(client_out), Ok(enclave_out)) = (client.try_clone(), enclave.try_clone()) else {
        return;
    };
    std::thread::spawn(move || copy(client, enclave_out, |s| s.shutdown(Shutdown::Write)));
    std::thread::spawn(move || copy(enclave, client_out, |s| s.shutdown(Shutdown::Write)));
}

fn copy<R: Read, W: Write>(mut from: R, mut to: W, close: impl Fn(&W) -> std::io::Result<()>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = close(&to);
}
