//! Every tracing event (and `log` record) of this process at TRACE level,
//! formatted as the CLI formats them, into a buffer the tests can scan.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

static BUFFER: OnceLock<Buffer> = OnceLock::new();

/// Installs the capturing subscriber (once per test binary).
pub fn install() {
    BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(buffer.clone())
            .try_init()
            .expect("the capturing subscriber is the first");
        buffer
    });
}

/// Everything logged so far.
pub fn logged() -> String {
    let buffer = BUFFER.get().expect("install() first");
    String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned()
}
