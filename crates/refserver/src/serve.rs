//! The reference server's accept loop, in place of `axum::serve`: it owns
//! what only a connection can do. A cap on concurrent connections (more
//! are closed on accept), a header-read timeout through hyper (a slowloris
//! cannot hold a connection; it also closes a kept-alive connection idle
//! that long), the silent idle close of [`Profile::IdleClose`], and the
//! close-delimited bodies of [`Profile::CloseDelimited`], written by a
//! minimal HTTP/1.1 responder since hyper always frames an HTTP/1.1 body.
//! Each request it hands the router carries the peer's address
//! ([`Peer`]), which the login writes into the token as real servers do.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{self, header};
use futures_util::StreamExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::Config;
use crate::profile::{self, Profile};

/// The largest request head the close-delimited responder reads.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body the close-delimited responder reads.
const MAX_BODY: usize = 1024 * 1024;

/// The address of the client a request came from, as a request extension
/// (absent when [`crate::app`] is served by something else).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub SocketAddr);

/// What the accept loop needs of the config.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    header_read_timeout: Duration,
    idle_close: Option<Duration>,
    close_delimited: bool,
    chunked: bool,
}

impl Options {
    pub(crate) fn of(config: &Config) -> Self {
        Self {
            header_read_timeout: config.header_read_timeout,
            idle_close: config
                .has(Profile::IdleClose)
                .then(|| Duration::from_millis(profile::IDLE_CLOSE_MS)),
            close_delimited: config.has(Profile::CloseDelimited),
            chunked: config.has(Profile::Chunked),
        }
    }
}

/// Accepts connections until the task is aborted; every connection task
/// lives in a `JoinSet`, so aborting the loop ends them too.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    options: Options,
    permits: Arc<Semaphore>,
) {
    let mut tasks = JoinSet::new();
    let mut accepted: u64 = 0;
    loop {
        tokio::select! {
            res = listener.accept() => {
                let (stream, peer) = match res {
                    Ok(accepted) => accepted,
                    Err(_) => {
                        // Out of file descriptors and the like: pause, go on.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    drop(stream); // over the cap: closed at once
                    continue;
                };
                let _ = stream.set_nodelay(true);
                accepted += 1;
                // With chunked framing on too, every other connection is chunked.
                let close_delimited =
                    options.close_delimited && (!options.chunked || accepted % 2 == 1);
                let (router, options) = (router.clone(), options.clone());
                tasks.spawn(async move {
                    let _permit = permit;
                    if close_delimited {
                        respond_close_delimited(stream, peer, router, options.header_read_timeout).await;
                    } else {
                        serve_hyper(stream, peer, router, &options).await;
                    }
                });
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
}

async fn serve_hyper(stream: TcpStream, peer: SocketAddr, router: Router, options: &Options) {
    let io = TokioIo::new(IdleWatch {
        inner: stream,
        idle: options.idle_close,
        last_io: Instant::now(),
        answered: false,
        closed: false,
    });
    let svc = TowerToHyperService::new(router);
    let svc = hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(Peer(peer));
        hyper::service::Service::call(&svc, req)
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .serve_connection(io, svc)
        .await;
}

/// A connection that, after it has answered once and then stayed idle for
/// `idle`, closes silently when the next idempotent request arrives: that
/// request is swallowed and the connection ends before any response byte,
/// as when a server's idle close crosses the client's next request. A POST
/// is served (a client may not retry it on its own, RFC 9112 §9.3.1).
struct IdleWatch {
    inner: TcpStream,
    idle: Option<Duration>,
    last_io: Instant,
    answered: bool,
    closed: bool,
}

fn idempotent(head: &[u8]) -> bool {
    [&b"GET "[..], b"HEAD ", b"DELETE ", b"OPTIONS ", b"PUT "]
        .iter()
        .any(|m| head.starts_with(m))
}

impl AsyncRead for IdleWatch {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.closed {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let quiet_for = this.last_io.elapsed();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        let got = &buf.filled()[before..];
        if got.is_empty() {
            return Poll::Ready(Ok(()));
        }
        if let Some(idle) = this.idle {
            if this.answered && quiet_for >= idle && idempotent(got) {
                buf.set_filled(before);
                this.closed = true;
                return Poll::Ready(Ok(()));
            }
        }
        this.last_io = Instant::now();
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for IdleWatch {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, data))?;
        if n > 0 {
            this.answered = true;
            this.last_io = Instant::now();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        if n > 0 {
            this.answered = true;
            this.last_io = Instant::now();
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// One request on `stream`, answered with a close-delimited body: the
/// response head without `Content-Length` or `Transfer-Encoding`, with
/// `Connection: close`, then the body as it comes, then the close.
async fn respond_close_delimited(
    mut stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    timeout: Duration,
) {
    let Ok(Ok(mut req)) = tokio::time::timeout(timeout, read_request(&mut stream)).await else {
        return;
    };
    req.extensions_mut().insert(Peer(peer));
    let svc = TowerToHyperService::new(router);
    let resp = match hyper::service::Service::call(&svc, req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    };
    let (parts, body) = resp.into_parts();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_u16(),
        parts.status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        if matches!(
            *name,
            header::CONTENT_LENGTH | header::TRANSFER_ENCODING | header::CONNECTION
        ) {
            continue;
        }
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if !parts.headers.contains_key(header::DATE) {
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        head.extend_from_slice(format!("date: {date}\r\n").as_bytes());
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    if stream.write_all(&head).await.is_err() {
        return;
    }
    let mut data = body.into_data_stream();
    while let Some(chunk) = data.next().await {
        match chunk {
            Ok(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Err(_) => return, // a body that breaks: the connection just ends
        }
    }
    let _ = stream.shutdown().await;
}

/// Reads one request (head and `Content-Length` body) into an `http::Request`.
async fn read_request(stream: &mut TcpStream) -> io::Result<http::Request<Body>> {
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_owned());
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        let head_len = match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => continue,
            Ok(httparse::Status::Partial) => return Err(bad("request head too large")),
            Err(_) => return Err(bad("malformed request head")),
        };
        let mut builder = http::Request::builder()
            .method(parsed.method.unwrap_or("GET"))
            .uri(parsed.path.unwrap_or("/"));
        let mut length = 0usize;
        for h in parsed.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                length = std::str::from_utf8(h.value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .ok_or_else(|| bad("bad Content-Length"))?;
            }
            if h.name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(bad("chunked request bodies are not read here"));
            }
            builder = builder.header(h.name, h.value);
        }
        if length > MAX_BODY {
            return Err(bad("request body too large"));
        }
        let mut body = buf.split_off(head_len);
        while body.len() < length {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            body.extend_from_slice(&chunk[..n]);
        }
        body.truncate(length);
        return builder
            .body(Body::from(body))
            .map_err(|_| bad("request not representable"));
    }
}
