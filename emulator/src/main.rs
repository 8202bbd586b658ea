//! `entra-emulator [--port N] [--seed FILE]`: serves the emulator on 127.0.0.1 and
//! prints one JSON line with the URL and the seed's app credentials.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};

use entra_emulator::Emulator;

struct Options {
    port: u16,
    seed: Option<String>,
    /// `--scale USERS,GROUPS`: a generated tenant of that size.
    scale: Option<(usize, usize)>,
}

const USAGE: &str = "usage: entra-emulator [--port N] [--seed FILE] [--scale USERS,GROUPS]";

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        seed: None,
        scale: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                options.port = value
                    .parse()
                    .map_err(|_| format!("invalid port '{value}'"))?;
            }
            "--seed" => options.seed = Some(args.next().ok_or("--seed needs a file")?),
            "--scale" => {
                let value = args.next().ok_or("--scale needs USERS,GROUPS")?;
                let parsed = value
                    .split_once(',')
                    .and_then(|(u, g)| Some((u.trim().parse().ok()?, g.trim().parse().ok()?)));
                options.scale =
                    Some(parsed.ok_or_else(|| format!("invalid --scale '{value}'; {USAGE}"))?);
            }
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let emulator = match &options.seed {
        None => Emulator::demo(),
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("cannot read seed {path}: {e}");
                    std::process::exit(2);
                }
            };
            match Emulator::from_seed_json(&text) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("invalid seed {path}: {e}");
                    std::process::exit(2);
                }
            }
        }
    };
    if let Some((users, groups)) = options.scale {
        if let Err(e) = emulator.seed_scale(users, groups) {
            eprintln!("cannot scale the seed: {e}");
            std::process::exit(2);
        }
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
    let (bound, server) = match emulator.serve(addr).await {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    let credentials = emulator.credentials();
    let line = serde_json::json!({
        "url": format!("http://{bound}"),
        "tenantId": credentials.tenant_id,
        "clientId": credentials.client_id,
        "clientSecret": credentials.client_secret,
    });
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
    drop(stdout);
    let _ = server.await;
}
