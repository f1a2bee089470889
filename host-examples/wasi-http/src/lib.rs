//! Serves a wasi:http component on a loopback port with wasmtime's own wasi:http
//! (wasmtime-wasi-http), the way `wasmtime serve` does: one fresh instance a request, the
//! environment given as the component's configuration. No code of the vendor's: this is the
//! host any wasi:http platform is. Used by the onboarding service's tests (tests/) and by
//! `wasi-http-serve` (src/main.rs).

use hyper::server::conn::http1;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::error::Context;
use wasmtime::{bail, Result};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// A component being served; stops when dropped.
pub struct Served {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Compiles `component` and serves it on `listen` (loopback only) from a runtime of its own.
pub fn serve(component: &Path, env: Vec<(String, String)>, listen: SocketAddr) -> Result<Served> {
    if !listen.ip().is_loopback() {
        bail!("{listen} is not a loopback address: this harness serves tests only");
    }
    let handler = Arc::new(Handler::new(component, env)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let listener = runtime.block_on(TcpListener::bind(listen))?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let thread = std::thread::spawn(move || runtime.block_on(accept(listener, handler, stopped)));
    Ok(Served { url, stop: Some(stop), thread: Some(thread) })
}

async fn accept(listener: TcpListener, handler: Arc<Handler>, mut stopped: tokio::sync::oneshot::Receiver<()>) {
    loop {
        let (client, _) = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => continue,
            },
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let handler = handler.clone();
                async move { handler.handle(request).await }
            });
            // A client that goes away mid-answer is its own business.
            let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(client), service).await;
        });
    }
}

/// What a linker offers a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capabilities {
    /// The `wasi:http/proxy` world's imports, exactly (wasmtime-wasi-http's own list).
    Proxy,
    /// Those and `wasi:cli/environment`: what the onboarding service is served with.
    ProxyAndEnvironment,
}

/// A linker with `capabilities` and nothing else: a component that imports anything more
/// cannot be instantiated with it (the imports test's check, and the host being strict).
pub fn linker(engine: &Engine, capabilities: Capabilities) -> Result<Linker<State>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi_http::p2::add_to_linker_async(&mut linker)?;
    if capabilities == Capabilities::ProxyAndEnvironment {
        wasmtime_wasi::p2::bindings::cli::environment::add_to_linker::<State, wasmtime_wasi::cli::WasiCli>(&mut linker, |s| {
            wasmtime_wasi::cli::WasiCliView::cli(s)
        })?;
    }
    Ok(linker)
}

struct Handler {
    pre: ProxyPre<State>,
    env: Vec<(String, String)>,
}

impl Handler {
    fn new(component: &Path, env: Vec<(String, String)>) -> Result<Handler> {
        let config = Config::new();
        let engine = Engine::new(&config)?;
        let component = Component::from_file(&engine, component).with_context(|| format!("loading {}", component.display()))?;
        let linker = linker(&engine, Capabilities::ProxyAndEnvironment)?;
        let pre = ProxyPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Handler { pre, env })
    }

    async fn handle(&self, request: hyper::Request<hyper::body::Incoming>) -> Result<hyper::Response<HyperOutgoingBody>> {
        let wasi = WasiCtx::builder().envs(&self.env).build();
        let mut store = Store::new(self.pre.engine(), State { table: ResourceTable::new(), wasi, http: WasiHttpCtx::new() });
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let request = store.data_mut().http().new_incoming_request(Scheme::Http, request)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        let pre = self.pre.clone();
        // The guest may go on writing the body after it set the response: its own task.
        let task = tokio::task::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy.wasi_http_incoming_handler().call_handle(store, request, out).await
        });
        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => match task.await {
                Ok(Ok(())) => bail!("the component never set a response"),
                Ok(Err(e)) => Err(e.context("the component trapped before it set a response")),
                Err(e) => Err(e.into()),
            },
        }
    }
}

/// A request's store: its WASI context (the environment), its HTTP context and resources.
pub struct State {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: Default::default() }
    }
}
