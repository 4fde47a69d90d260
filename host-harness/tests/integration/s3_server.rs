//! A real S3-compatible server for the object-storage tests: moto's server mode (PyPI `moto[server]`)
//! started on 127.0.0.1 on a free port, stopped when dropped. Its request log is kept, so tests can
//! check which listings a run made. Without moto the tests print a skip line, unless
//! `BLINDSPOT_REQUIRE_S3=1` (CI), where they fail.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};

pub const ACCESS_KEY: &str = "testing";
pub const REGION: &str = "us-east-1";

pub struct S3Server {
    child: Child,
    pub endpoint: String,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto, or `None` (after printing why) when it is not installed and not required.
pub fn start() -> Option<S3Server> {
    start_with(&[])
}

/// [`start`] with moto settings in its environment (`INITIAL_NO_AUTH_ACTION_COUNT=0` checks
/// credentials and IAM policies on every request).
pub fn start_with(env: &[(&str, &str)]) -> Option<S3Server> {
    let spawned = Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"])
        .envs(env.iter().copied())
        // Multipart tests upload parts smaller than S3's 5 MiB minimum (see BLINDSPOT_UPLOAD_PART_BYTES).
        .env("S3_UPLOAD_PART_MIN_SIZE", "1024")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return skip(&format!("python3 could not be started: {e}")),
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    // Werkzeug prints the address it bound and then one line per request, on stderr (stdout kept
    // too, whichever a version uses).
    for stream in [
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let log = log.clone();
        let port_tx = port_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(port) = line
                    .split("Running on http://127.0.0.1:")
                    .nth(1)
                    .and_then(|rest| rest.trim().parse::<u16>().ok())
                {
                    let _ = port_tx.send(Ok(port));
                }
                if line.contains("No module named") {
                    let _ = port_tx.send(Err(line.clone()));
                }
                log.lock().expect("log").push(line);
            }
        });
    }
    let port = match port_rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Ok(port)) => port,
        Ok(Err(line)) => {
            let _ = child.kill();
            return skip(&format!("moto is not installed ({line})"));
        }
        Err(_) => {
            let _ = child.kill();
            let log = log.lock().expect("log").join("\n");
            return skip(&format!("moto did not start within 30 s:\n{log}"));
        }
    };
    let server = S3Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
        port,
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    // Any answer will do: with credentials checked, the unsigned request is refused.
    while server.http("GET", "/", b"").0 == 0 {
        assert!(
            Instant::now() < deadline,
            "moto never answered on {}",
            server.endpoint
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}

fn skip(reason: &str) -> Option<S3Server> {
    if std::env::var("BLINDSPOT_REQUIRE_S3").as_deref() == Ok("1") {
        panic!("{reason}, and BLINDSPOT_REQUIRE_S3=1 (pip install 'moto[server]')");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {reason}; the object-storage tests did not run !!!!!!!!\n");
    None
}

impl S3Server {
    /// One plain HTTP request (moto does not check signatures): status and body.
    pub fn http(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return (0, String::new());
        };
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        );
        if stream.write_all(head.as_bytes()).is_err() || stream.write_all(body).is_err() {
            return (0, String::new());
        }
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    pub fn create_bucket(&self, bucket: &str) {
        let (status, body) = self.http("PUT", &format!("/{bucket}"), b"");
        assert_eq!(status, 200, "creating bucket {bucket}: {body}");
    }

    /// Multipart uploads started and neither completed nor aborted.
    pub fn open_multipart_uploads(&self, bucket: &str) -> usize {
        let (status, body) = self.http("GET", &format!("/{bucket}?uploads"), b"");
        assert_eq!(status, 200, "{body}");
        body.matches("<Upload>").count()
    }

    /// A point in the request log after every request already answered. The server writes a
    /// request's log line after answering it and the log is read on another thread, so counting the
    /// lines so far can miss a setup upload that is logged late; a sentinel request that shows up in
    /// the log is a barrier instead.
    pub fn mark(&self) -> usize {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let sentinel = format!(
            "/blindspot-mark-{}",
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        self.http("HEAD", &sentinel, b"");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(at) = self.requests().iter().position(|r| r.contains(&sentinel)) {
                return at + 1;
            }
            assert!(
                Instant::now() < deadline,
                "{sentinel} never reached the log"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The request lines logged so far, with `%2F` shown as `/`.
    pub fn requests(&self) -> Vec<String> {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter(|l| l.contains("HTTP/1.1\""))
            .map(|l| l.replace("%2F", "/"))
            .collect()
    }

    pub fn client(&self, bucket: &str) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_bucket_name(bucket)
            .with_region(REGION)
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(ACCESS_KEY)
            .build()
            .expect("client")
    }

    pub fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>) {
        let client = self.client(bucket);
        block_on(client.put(&Key::from(key), bytes.into())).expect("put");
    }

    /// Every key in the bucket under `prefix`, sorted.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        use futures::TryStreamExt;
        let client = self.client(bucket);
        let prefix = Key::from(prefix);
        let opt = (!prefix.as_ref().is_empty()).then_some(&prefix);
        let mut keys: Vec<String> = block_on(
            client
                .list(opt)
                .map_ok(|m| m.location.to_string())
                .try_collect(),
        )
        .expect("list");
        keys.sort();
        keys
    }

    pub fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        let client = self.client(bucket);
        block_on(async { client.get(&Key::from(key)).await?.bytes().await })
            .expect("get")
            .to_vec()
    }

    /// `blindspot ARGS` with the standard AWS variables pointing at this server.
    pub fn blindspot(&self, args: &[&str]) -> std::process::Output {
        self.blindspot_env(args, &[])
    }

    pub fn blindspot_env(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_blindspot"));
        command
            .args(args)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", ACCESS_KEY)
            .env("AWS_REGION", REGION)
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE");
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("run blindspot")
    }
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}
