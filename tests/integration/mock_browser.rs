//! `icws-refserver` for a developer with a browser page: the start line
//! names the demo login (never a `--password` of one's own); a `--cors`
//! origin on another site than the listen address (`localhost` against
//! `127.0.0.1`) is warned about at start, naming the matching address; a
//! refused preflight is one line on stderr saying why and how to allow
//! it, with `--cors` and without; and `--log requests` writes one line per
//! request that never holds the token, the cookie, the password or the
//! query. The server's own tests (`crates/refserver/tests/browser.rs`)
//! cover the preflight answers and the notes in process; these cover the
//! binary's wiring of them to stdout and stderr.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use icws_refserver as refserver;

const REFSERVER: &str = env!("CARGO_BIN_EXE_icws-refserver");

/// A running `icws-refserver`, its start line and the stderr lines so far;
/// killed when dropped.
struct Mock {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
    banner: String,
    err: Arc<Mutex<Vec<String>>>,
    /// Held open, so that the server can go on writing to stdout.
    _out: BufReader<ChildStdout>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Mock {
    /// Starts `icws-refserver --listen 127.0.0.1:0 ARGS`, reads its start
    /// line and collects its stderr in the background.
    fn start(args: &[&str]) -> Mock {
        let mut child = Command::new(REFSERVER)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = Arc::new(Mutex::new(Vec::new()));
        let lines = err.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                lines.lock().unwrap().push(line);
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut banner = String::new();
        out.read_line(&mut banner).unwrap();
        assert!(
            !banner.is_empty(),
            "icws-refserver {args:?} did not start: {:?}",
            err.lock().unwrap()
        );
        let addr = banner
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .unwrap()
            .to_owned();
        Mock {
            child,
            addr,
            banner,
            err,
            _out: out,
        }
    }

    /// The stderr lines once `done` holds for them (or after 5 s).
    fn stderr_when(&self, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let lines = self.err.lock().unwrap().clone();
            if done(&lines) || Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `head` (request line and headers, no blank line) and `body`
    /// on a connection of its own; the whole answer.
    fn send(&self, head: &str, body: &str) -> String {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        let request = format!(
            "{head}\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        s.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer
    }
}

/// The value of response header `name` in a raw answer.
fn header_of<'a>(answer: &'a str, name: &str) -> &'a str {
    answer
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
        .unwrap_or_else(|| panic!("no {name} in {answer}"))
}

/// A login preflight from `origin`, as the vendor's client sends it.
fn preflight_from(mock: &Mock, origin: &str) -> String {
    mock.send(
        &format!(
            "OPTIONS /icws/connection HTTP/1.1\r\nOrigin: {origin}\r\n\
             Access-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: content-type,x-icws-devtools-correlationid"
        ),
        "",
    )
}

#[test]
fn the_start_line_names_the_demo_login_and_never_an_own_password() {
    let mock = Mock::start(&[]);
    let want = format!(
        "demo login: user {}, password {}",
        refserver::DEMO_USER,
        refserver::DEMO_PASSWORD
    );
    assert!(mock.banner.contains(&want), "{}", mock.banner);
    let own = Mock::start(&["--password", "own-s3cret-pw"]);
    assert!(!own.banner.contains("own-s3cret-pw"), "{}", own.banner);
    assert!(
        own.banner
            .contains("log in as agent1 with the password given by --password"),
        "{}",
        own.banner
    );
}

#[test]
fn a_cors_origin_on_another_site_is_warned_about_at_start() {
    let mock = Mock::start(&["--cors", "http://localhost:3000"]);
    let warned = |lines: &[String]| lines.iter().any(|l| l.contains("different sites"));
    let err = mock.stderr_when(warned);
    let warnings: Vec<&String> = err.iter().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{err:?}");
    for part in [
        "warning: --cors http://localhost:3000: the page is on localhost but the server listens on 127.0.0.1",
        "third-party",
        "open the page at http://127.0.0.1:3000 and start with --cors http://127.0.0.1:3000",
    ] {
        assert!(warnings[0].contains(part), "{part}: {}", warnings[0]);
    }
    // The same host: nothing to warn about. The warnings are written
    // before the start line, so a wait after it is enough to see none.
    let same = Mock::start(&["--cors", "http://127.0.0.1:3000"]);
    std::thread::sleep(Duration::from_millis(300));
    let err = same.err.lock().unwrap().clone();
    assert!(err.is_empty(), "{err:?}");
}

#[test]
fn a_refused_preflight_is_one_line_on_stderr_saying_why() {
    let refused = |lines: &[String]| lines.iter().any(|l| l.starts_with("refused"));
    let mock = Mock::start(&["--cors", "http://127.0.0.1:3000"]);
    let answer = preflight_from(&mock, "http://localhost:3000");
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let err = mock.stderr_when(refused);
    assert_eq!(err.len(), 1, "{err:?}");
    assert_eq!(
        err[0],
        "refused a CORS preflight for POST /icws/connection from origin \
         \"http://localhost:3000\": --cors allows only http://127.0.0.1:3000; \
         to allow that page, start with --cors http://localhost:3000 (repeatable)"
    );
    // The allowed origin's preflight allows what the vendor's client asks,
    // and is not noted.
    let answer = preflight_from(&mock, "http://127.0.0.1:3000");
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert!(
        header_of(&answer, "access-control-allow-headers")
            .contains("x-icws-devtools-correlationid"),
        "{answer}"
    );

    let plain = Mock::start(&[]);
    let answer = preflight_from(&plain, "http://localhost:3000");
    assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
    let err = plain.stderr_when(refused);
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(err[0].contains("no --cors was given"), "{}", err[0]);
    assert!(
        err[0].ends_with("start with --cors http://localhost:3000"),
        "{}",
        err[0]
    );
}

#[test]
fn log_requests_writes_a_line_per_request_and_never_a_secret() {
    let mock = Mock::start(&["--log", "requests"]);
    let login = mock.send(
        "POST /icws/connection?include=features HTTP/1.1\r\nAccept-Language: en-US\r\n\
         Content-Type: application/json",
        &format!(
            r#"{{"userID":"{}","password":"{}"}}"#,
            refserver::DEMO_USER,
            refserver::DEMO_PASSWORD
        ),
    );
    assert!(login.starts_with("HTTP/1.1 201"), "{login}");
    let sid = header_of(&login, refserver::SESSION_ID_HEADER).to_owned();
    let token = header_of(&login, refserver::CSRF_HEADER).to_owned();
    let cookie = header_of(&login, "set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let cookie_value = cookie.split_once('=').unwrap().1.to_owned();
    let session = format!("{}: {token}\r\nCookie: {cookie}", refserver::CSRF_HEADER);
    let got = mock.send(
        &format!("GET /icws/{sid}/status/status-messages?token={token} HTTP/1.1\r\n{session}"),
        "",
    );
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    let bye = mock.send(
        &format!("DELETE /icws/{sid}/connection HTTP/1.1\r\n{session}"),
        "",
    );
    assert!(bye.starts_with("HTTP/1.1 204"), "{bye}");
    let err = mock.stderr_when(|lines| lines.len() >= 3);
    let expected = [
        "POST /icws/connection 201".to_owned(),
        format!("GET /icws/{sid}/status/status-messages 200"),
        format!("DELETE /icws/{sid}/connection 204"),
    ];
    assert_eq!(err.len(), expected.len(), "{err:?}");
    for (line, start) in err.iter().zip(&expected) {
        let ms = line
            .strip_prefix(start.as_str())
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|rest| rest.strip_suffix(" ms"));
        assert!(
            ms.is_some_and(|ms| ms.parse::<f64>().is_ok()),
            "{line:?} is not {start:?} then milliseconds"
        );
    }
    let all = err.join("\n");
    for secret in [
        token.as_str(),
        cookie_value.as_str(),
        refserver::DEMO_PASSWORD,
        "include",
        "token=",
    ] {
        assert!(!all.contains(secret), "the log holds {secret:?}: {all}");
    }
}

#[test]
fn an_unknown_log_value_is_refused() {
    let out = Command::new(REFSERVER)
        .args(["--listen", "127.0.0.1:0", "--log", "headers"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("requests"), "{err}");
}
