//! `inloop healthcheck`: asks the server on this machine for `/healthz`, for the image's
//! `HEALTHCHECK` (the image has neither curl nor a shell).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use rocket::figment::Figment;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::CommandResult;
use crate::config::Config;

/// Docker's own default interval is 30 s: an answer later than this is no answer.
const TIME_LIMIT: Duration = Duration::from_secs(5);

/// Succeeds when the server listening on the configured address and port answers `/healthz`
/// with 200.
pub async fn run(config: &Config, figment: &Figment) -> CommandResult {
    let server: rocket::Config = figment.extract()?;
    let address = SocketAddr::new(reachable(server.address), server.port);
    let host = host_header(&config.allowed_hosts, address);
    let status = tokio::time::timeout(TIME_LIMIT, get_status(address, &host))
        .await
        .map_err(|_| format!("no answer from {address} within {} s", TIME_LIMIT.as_secs()))?
        .map_err(|error| format!("cannot ask {address}: {error}"))?;
    if status == 200 {
        Ok(())
    } else {
        Err(format!("{address}/healthz answered {status}").into())
    }
}

/// A server bound to every address is reached on the loopback one.
fn reachable(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(any) if any.is_unspecified() => Ipv4Addr::LOCALHOST.into(),
        IpAddr::V6(any) if any.is_unspecified() => Ipv6Addr::LOCALHOST.into(),
        address => address,
    }
}

/// A `Host` that `ALLOWED_HOSTS` lets through: its first entry (the domain of a `.domain`
/// entry), or the address itself for `*`.
fn host_header(allowed_hosts: &[String], address: SocketAddr) -> String {
    let host = match allowed_hosts.first().map(String::as_str) {
        Some("*") | None => match address.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        },
        Some(pattern) => pattern.trim_start_matches('.').to_owned(),
    };
    format!("{host}:{}", address.port())
}

/// One HTTP/1.1 `GET /healthz`; the status code of the answer.
async fn get_status(address: SocketAddr, host: &str) -> Result<u16, Box<dyn std::error::Error>> {
    let mut stream = TcpStream::connect(address).await?;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.take(1024).read_to_end(&mut answer).await?;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {:?}", answer.lines().next()))?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::{host_header, reachable};

    #[test]
    fn asks_the_loopback_address_with_an_allowed_host() {
        let any = "0.0.0.0".parse().unwrap();
        let address = std::net::SocketAddr::new(reachable(any), 8000);
        assert_eq!(address.to_string(), "127.0.0.1:8000");
        let hosts = |list: &[&str]| list.iter().map(|&host| host.to_owned()).collect::<Vec<_>>();
        assert_eq!(host_header(&hosts(&["*"]), address), "127.0.0.1:8000");
        assert_eq!(
            host_header(&hosts(&[".uni.example", "x"]), address),
            "uni.example:8000"
        );
        assert_eq!(
            host_header(&hosts(&["inloop.example.org"]), address),
            "inloop.example.org:8000"
        );
        let v6 = std::net::SocketAddr::new(reachable("::".parse().unwrap()), 80);
        assert_eq!(host_header(&[], v6), "[::1]:80");
    }
}
