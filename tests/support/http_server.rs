//! A real HTTP/1.1 server on an ephemeral loopback port, answering every request with one
//! canned behaviour. Raw sockets rather than a server framework so that it can misbehave
//! on purpose: never answer, cut a body short, or send more than promised.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

/// What the server does with each request.
#[derive(Clone)]
pub enum Behaviour {
    /// Answer with this status, content type and body.
    Respond {
        status: &'static str,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// Answer 200 with this JSON body, gzip-compressed and labelled so, whatever the
    /// request asked for, as servers behind some proxies and CDNs do.
    Gzip(String),
    /// Read the request and then say nothing for this long.
    Hang(Duration),
    /// Hold every request until as many as the barrier counts have arrived, then answer
    /// each with this JSON body. A client that sends them one after another never gets
    /// its first answer.
    AllAtOnce { arrived: Arc<Barrier>, body: String },
}

pub struct Server {
    pub addr: SocketAddr,
    /// The raw request heads received, for asserting on headers.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn url(&self, path: &str) -> url::Url {
        format!("http://{}{path}", self.addr).parse().unwrap()
    }
}

pub fn start(behaviour: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let behaviour = behaviour.clone();
            let seen = Arc::clone(&seen);
            thread::spawn(move || serve(stream, behaviour, seen));
        }
    });
    Server { addr, requests }
}

fn serve(mut stream: TcpStream, behaviour: Behaviour, seen: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    seen.lock()
        .unwrap()
        .push(String::from_utf8_lossy(&head).into_owned());
    match behaviour {
        Behaviour::Respond {
            status,
            content_type,
            body,
        } => respond(&mut stream, status, content_type, &body),
        Behaviour::Gzip(body) => respond_gzip(&mut stream, body.as_bytes()),
        Behaviour::Hang(duration) => thread::sleep(duration),
        Behaviour::AllAtOnce { arrived, body } => {
            arrived.wait();
            respond(&mut stream, "200 OK", "application/json", body.as_bytes());
        }
    }
}

fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn respond_gzip(stream: &mut TcpStream, body: &[u8]) {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).unwrap();
    let compressed = encoder.finish().unwrap();
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        compressed.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&compressed);
}

pub fn json(body: &str) -> Behaviour {
    Behaviour::Respond {
        status: "200 OK",
        content_type: "application/json",
        body: body.as_bytes().to_vec(),
    }
}
