impl<C: Connection> Store<C> {
    /// Looks a user up.
    #[async_to_sync]
    pub async fn get(&self, id: u64) -> Option<User> {
        self.conn.query_one(id).await
    }

    #[async_to_sync]
    pub async fn put<U: Into<User>>(&mut self, user: U) -> Result<(), StoreError> {
        self.conn.insert(user.into()).await
    }

    #[async_to_sync(name = close_now)]
    async fn close(mut self) -> C {
        self.conn.flush().await;
        self.conn
    }

    #[async_to_sync]
    pub async fn boxed(self: Box<Self>, _: u8) -> usize {
        1
    }
}
