//! `oproep serve` started on a free port for a test, with what tests ask of it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use super::Site;

pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
    /// Every line the server prints on stdout.
    pub lines: Receiver<String>,
}

impl Server {
    /// Starts `oproep serve` on a free port; its error output goes where the test's goes.
    pub fn start(site: &Site) -> Server {
        Server::start_with(site, Stdio::inherit())
    }

    /// Like `start`, with the server's error output to `stderr`.
    pub fn start_with(site: &Site, stderr: Stdio) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("oproep"))
            .args(["serve", "--port", "0", "--root"])
            .arg(site.dir.path())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
            lines,
        };
        let line = server.wait_for_line("serving ", Duration::from_secs(20));
        let url = line.split_whitespace().nth(1).unwrap().to_string();
        server.base = url.trim_end_matches('/').to_string();
        server
    }

    pub fn wait_for_line(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => continue,
                Err(_) => panic!("no line with {needle:?} within {timeout:?}"),
            }
        }
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let response = ureq::get(&format!("{}{path}", self.base))
            .config()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .call()
            .unwrap_or_else(|e| panic!("the server does not answer {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.into_body().read_to_string().unwrap())
    }

    /// Opens the reload event stream; every `event:` line arrives on the receiver.
    pub fn events(&self) -> Receiver<String> {
        let address = self.base.trim_start_matches("http://").to_string();
        let mut stream = TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "GET /__oproep/events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let (send, receive) = channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            let mut text = String::new();
            while let Ok(n) = stream.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                text.push_str(&String::from_utf8_lossy(&buffer[..n]));
                while let Some(end) = text.find('\n') {
                    let line: String = text.drain(..=end).collect();
                    if line.starts_with("event:") && send.send(line.trim().to_string()).is_err() {
                        return;
                    }
                }
            }
        });
        // Give the server a moment to register the subscriber.
        std::thread::sleep(Duration::from_millis(200));
        receive
    }

    pub fn interrupt(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.wait_for_line("stopped", Duration::from_secs(1));
                return status;
            }
            assert!(Instant::now() < deadline, "serve did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
