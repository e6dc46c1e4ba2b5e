//! `documents` and `document_chunks`: the bytes of feed uploads, report and processing-report
//! downloads and Uploads API destinations, kept in the store in chunks.
//!
//! Content is written as a *generation*: chunks `(document, generation, 0..n)` are inserted one
//! by one (each in its own short transaction, so memory stays bounded and no transaction is held
//! open while a client uploads slowly), then [`StoreTx::switch_document_content`] makes that
//! generation current and deletes the others in one statement. Readers read the current
//! generation chunk by chunk. Several instances on PostgreSQL share the documents.

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// The largest chunk written by spapi (uploads and generators cut their bytes at this size).
pub const CHUNK_SIZE: usize = 1024 * 1024;

/// A row of `documents`.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    /// `amzn1.spdoc...` / `amzn1.tortuga...` id.
    pub id: String,
    /// The seller the document belongs to.
    pub seller_id: String,
    /// `feed`, `report`, `feed_result`, `upload` or `label`.
    pub kind: String,
    /// The content type the document is uploaded or served with.
    pub content_type: String,
    /// `GZIP` when the stored bytes are gzip.
    pub compression: Option<String>,
    /// Uploads API: the resource the destination was made for.
    pub resource: Option<String>,
    /// Uploads API: the base64 MD5 the uploaded content must have.
    pub content_md5: Option<String>,
    /// The current chunk generation; `None` until content exists.
    pub generation: Option<i64>,
    /// Bytes of the current content.
    pub size: i64,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
    /// When the current content was written, epoch µs.
    pub uploaded_at_us: Option<i64>,
}

type DocTuple = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
);

const DOC_COLUMNS: &str = "id, seller_id, kind, content_type, compression, resource, \
    content_md5, generation, size, created_at, uploaded_at";

fn doc_from(t: DocTuple) -> DocumentRow {
    DocumentRow {
        id: t.0,
        seller_id: t.1,
        kind: t.2,
        content_type: t.3,
        compression: t.4,
        resource: t.5,
        content_md5: t.6,
        generation: t.7,
        size: t.8,
        created_at_us: t.9,
        uploaded_at_us: t.10,
    }
}

async fn insert_document(conn: Conn<'_>, d: &DocumentRow) -> Result<(), StoreError> {
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO documents (id, seller_id, kind, content_type, compression, resource, \
             content_md5, generation, size, created_at, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&d.id)
        .bind(&d.seller_id)
        .bind(&d.kind)
        .bind(&d.content_type)
        .bind(d.compression.as_deref())
        .bind(d.resource.as_deref())
        .bind(d.content_md5.as_deref())
        .bind(d.generation)
        .bind(d.size)
        .bind(d.created_at_us)
        .bind(d.uploaded_at_us)
        .execute(c)
        .await?;
    });
    Ok(())
}

async fn get_document(conn: Conn<'_>, id: &str) -> Result<Option<DocumentRow>, StoreError> {
    let sql = format!("SELECT {DOC_COLUMNS} FROM documents WHERE id = $1");
    let row: Option<DocTuple> = on_conn!(conn, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(doc_from))
}

impl Store {
    /// Creates a document (without content).
    pub async fn insert_document(&self, d: &DocumentRow) -> Result<(), StoreError> {
        insert_document(self.acquire().await?.conn(), d).await
    }

    /// One document.
    pub async fn get_document(&self, id: &str) -> Result<Option<DocumentRow>, StoreError> {
        get_document(self.acquire().await?.conn(), id).await
    }

    /// Writes chunk `seq` of generation `generation` of a document (its own transaction).
    pub async fn put_document_chunk(
        &self,
        document_id: &str,
        generation: i64,
        seq: i64,
        data: &[u8],
    ) -> Result<(), StoreError> {
        on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query(
                "INSERT INTO document_chunks (document_id, generation, seq, data) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(document_id)
            .bind(generation)
            .bind(seq)
            .bind(data)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Chunk `seq` of a generation, `None` past the end.
    pub async fn document_chunk(
        &self,
        document_id: &str,
        generation: i64,
        seq: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_scalar(
                "SELECT data FROM document_chunks \
                 WHERE document_id = $1 AND generation = $2 AND seq = $3",
            )
            .bind(document_id)
            .bind(generation)
            .bind(seq)
            .fetch_optional(c)
            .await?
        }))
    }

    /// Deletes every chunk of a document that is not its current content (leftovers of an
    /// interrupted write).
    pub async fn delete_orphan_chunks(&self, document_id: &str) -> Result<u64, StoreError> {
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query(
                "DELETE FROM document_chunks WHERE document_id = $1 AND generation IS DISTINCT \
                 FROM (SELECT generation FROM documents WHERE id = $1)",
            )
            .bind(document_id)
            .execute(c)
            .await?
            .rows_affected()
        }))
    }

    /// Makes `generation` the content of a document (its own transaction); see
    /// [`StoreTx::switch_document_content`].
    pub async fn switch_document_content(
        &self,
        document_id: &str,
        generation: i64,
        size: i64,
        at_us: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.switch_document_content(document_id, generation, size, at_us)
            .await?;
        tx.commit().await
    }
}

impl StoreTx {
    /// Writes `data` as generation `generation` of a document, in chunks, in this transaction
    /// (for small documents made inside a transaction, like processing reports).
    pub async fn put_document_bytes(
        &mut self,
        document_id: &str,
        generation: i64,
        data: &[u8],
    ) -> Result<(), StoreError> {
        for (seq, chunk) in data.chunks(CHUNK_SIZE).enumerate() {
            on_conn!(self.conn(), |c| {
                sqlx::query(
                    "INSERT INTO document_chunks (document_id, generation, seq, data) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(document_id)
                .bind(generation)
                .bind(seq as i64)
                .bind(chunk)
                .execute(c)
                .await?;
            });
        }
        Ok(())
    }

    /// Creates a document (without content) in this transaction.
    pub async fn insert_document(&mut self, d: &DocumentRow) -> Result<(), StoreError> {
        insert_document(self.conn(), d).await
    }

    /// One document, as this transaction sees it.
    pub async fn get_document(&mut self, id: &str) -> Result<Option<DocumentRow>, StoreError> {
        get_document(self.conn(), id).await
    }

    /// Makes `generation` the content of a document (`size` bytes, written at `at_us`) and
    /// deletes the chunks of every other generation. [`StoreError::NotFound`] without such a
    /// document.
    pub async fn switch_document_content(
        &mut self,
        document_id: &str,
        generation: i64,
        size: i64,
        at_us: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let n = on_conn!(conn.reborrow(), |c| {
            sqlx::query(
                "UPDATE documents SET generation = $2, size = $3, uploaded_at = $4 WHERE id = $1",
            )
            .bind(document_id)
            .bind(generation)
            .bind(size)
            .bind(at_us)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("document {document_id}")));
        }
        on_conn!(conn, |c| {
            sqlx::query("DELETE FROM document_chunks WHERE document_id = $1 AND generation <> $2")
                .bind(document_id)
                .bind(generation)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}
