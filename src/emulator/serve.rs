//! The accept loop: one task per connection, plain or TLS, HTTP/1.1 through
//! hyper, each connection watched for graceful shutdown. At most
//! `max_connections` are open at once (more wait in the listen backlog);
//! each is closed when its head or body is too slow or it idles (`limits`).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::app::SharedApp;
use super::front;
use super::limits::{Activity, DeadlineBody, Watched};
use super::reset::{ResetSwitch, ResettableStream};

/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves until `shutdown` turns true, then drains connections.
pub(crate) async fn run(
    listener: TcpListener,
    app: SharedApp,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
    max_connections: usize,
) {
    let graceful = GracefulShutdown::new();
    let timeout = app.config.request_timeout();
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections));
    loop {
        // A slot first: at the cap, new connections wait in the backlog
        // instead of using up file descriptors.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
                continue;
            }
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    tracing::trace!(%peer, "connection accepted");
                    let (stream, switch) = ResettableStream::new(stream);
                    let activity = Activity::new();
                    let stream = Watched::new(stream, activity.clone());
                    let connection = Connection {
                        app: app.clone(),
                        router: router.clone(),
                        switch,
                        watcher: graceful.watcher(),
                        activity,
                    };
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let _slot = slot;
                        match tls {
                            None => connection.serve(stream).await,
                            Some(acceptor) => {
                                match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                                    Ok(Ok(stream)) => connection.serve(stream).await,
                                    Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                                    Err(_) => tracing::debug!("TLS handshake timed out"),
                                }
                            }
                        }
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("connections still open after the drain timeout");
    }
}

/// What one connection's task needs.
struct Connection {
    app: SharedApp,
    router: Router,
    switch: ResetSwitch,
    watcher: Watcher,
    activity: Arc<Activity>,
}

impl Connection {
    async fn serve<S>(self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            app,
            router,
            switch,
            watcher,
            activity,
        } = self;
        let timeout = app.config.request_timeout();
        let idle_timeout = app.config.idle_timeout();
        let requests = activity.clone();
        let service = service_fn(move |request: hyper::Request<Incoming>| {
            let in_flight = requests.request();
            let request =
                request.map(|body| axum::body::Body::new(DeadlineBody::new(body, timeout)));
            let answer = front::handle(app.clone(), router.clone(), switch.clone(), request);
            async move {
                let answer = answer.await;
                drop(in_flight);
                answer
            }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(timeout)
            .serve_connection(TokioIo::new(stream), service);
        tokio::select! {
            served = watcher.watch(connection) => {
                if let Err(e) = served {
                    tracing::trace!(error = %e, "connection ended with an error");
                }
            }
            () = activity.idle_for(timeout, idle_timeout) => {
                tracing::trace!("idle connection closed");
            }
        }
    }
}
