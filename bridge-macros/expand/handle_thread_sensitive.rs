/// Thread-bound state: an `Rc` is not `Send`.
pub struct Session {
    log: Rc<RefCell<Vec<String>>>,
}

#[sync_to_async(handle = AsyncSession, thread_sensitive, limit = 8)]
impl Session {
    pub fn new() -> Self {
        Session { log: Rc::default() }
    }

    pub fn record(&mut self, line: &str) {
        self.log.borrow_mut().push(line.to_owned())
    }

    pub fn lines(&self) -> usize {
        self.log.borrow().len()
    }
}
