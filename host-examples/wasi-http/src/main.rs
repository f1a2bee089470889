//! `wasi-http-serve COMPONENT [--listen ADDR] [--env NAME=VALUE]…`: serves a wasi:http
//! component on loopback (like `wasmtime serve`) until killed. Prints `listening on URL`.

use wasmtime::error::Context;
use wasmtime::{bail, Result};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut component = None;
    let mut listen = "127.0.0.1:0".to_string();
    let mut env = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().context("--listen needs an address")?,
            "--env" => {
                let pair = args.next().context("--env needs NAME=VALUE")?;
                let (name, value) = pair.split_once('=').context("--env needs NAME=VALUE")?;
                env.push((name.to_string(), value.to_string()));
            }
            other if component.is_none() && !other.starts_with('-') => component = Some(other.to_string()),
            other => bail!("unknown argument {other}; usage: wasi-http-serve COMPONENT [--listen ADDR] [--env NAME=VALUE]…"),
        }
    }
    let component = component.context("usage: wasi-http-serve COMPONENT [--listen ADDR] [--env NAME=VALUE]…")?;
    let served =
        wasi_http_serve::serve(component.as_ref(), env, listen.parse::<std::net::SocketAddr>().context("--listen: not an address")?)?;
    println!("listening on {}", served.url());
    loop {
        std::thread::park();
    }
}
