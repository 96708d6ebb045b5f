namespace Traktor.Ecs.Net.Online.Storage;

/// <summary>
/// The one ordered set of schema migrations for every store. The SQL is common to SQLite and
/// PostgreSQL; the only differences (byte-array type, auto-numbered key) are filled in per store.
/// Timestamps are Unix milliseconds; flags are 0/1 integers, so both databases read them alike.
/// </summary>
internal static class OnlineMigrations
{
    public static IReadOnlyList<OnlineMigration> All { get; } =
    [
        new(1, "accounts, leaderboards, achievements, cloud saves", store =>
        [
            $"""
            CREATE TABLE users (
                id {store.IdentityPrimaryKey},
                username TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE auth_sessions (
                id TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users (id),
                created_at BIGINT NOT NULL,
                revoked_at BIGINT NULL)
            """,
            "CREATE INDEX ix_auth_sessions_user ON auth_sessions (user_id)",
            """
            CREATE TABLE refresh_tokens (
                token_hash TEXT PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES auth_sessions (id),
                expires_at BIGINT NOT NULL,
                used_at BIGINT NULL)
            """,
            "CREATE INDEX ix_refresh_tokens_session ON refresh_tokens (session_id)",
            """
            CREATE TABLE login_throttle (
                throttle_key TEXT PRIMARY KEY,
                failures BIGINT NOT NULL,
                window_start BIGINT NOT NULL,
                locked_until BIGINT NOT NULL)
            """,
            """
            CREATE TABLE leaderboards (
                id TEXT PRIMARY KEY,
                sort_order BIGINT NOT NULL,
                operator BIGINT NOT NULL,
                reset_schedule TEXT NULL,
                authoritative BIGINT NOT NULL,
                min_score BIGINT NOT NULL,
                max_score BIGINT NOT NULL,
                max_change BIGINT NULL)
            """,
            """
            CREATE TABLE leaderboard_records (
                leaderboard_id TEXT NOT NULL REFERENCES leaderboards (id),
                period_start BIGINT NOT NULL,
                user_id BIGINT NOT NULL,
                score BIGINT NOT NULL,
                metadata TEXT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (leaderboard_id, period_start, user_id))
            """,
            "CREATE INDEX ix_leaderboard_records_rank ON leaderboard_records (leaderboard_id, period_start, score, updated_at, user_id)",
            """
            CREATE TABLE leaderboard_submissions (
                leaderboard_id TEXT NOT NULL REFERENCES leaderboards (id),
                user_id BIGINT NOT NULL,
                idempotency_key TEXT NOT NULL,
                period_start BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (leaderboard_id, user_id, idempotency_key))
            """,
            """
            CREATE TABLE achievements (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                threshold BIGINT NOT NULL,
                hidden BIGINT NOT NULL,
                server_only BIGINT NOT NULL)
            """,
            """
            CREATE TABLE achievement_progress (
                user_id BIGINT NOT NULL,
                achievement_id TEXT NOT NULL REFERENCES achievements (id),
                progress BIGINT NOT NULL,
                unlocked_at BIGINT NULL,
                PRIMARY KEY (user_id, achievement_id))
            """,
            $"""
            CREATE TABLE cloud_saves (
                user_id BIGINT NOT NULL,
                slot TEXT NOT NULL,
                version TEXT NOT NULL,
                data {store.BlobType} NOT NULL,
                size BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (user_id, slot))
            """,
            """
            CREATE TABLE cloud_save_usage (
                user_id BIGINT PRIMARY KEY,
                slots BIGINT NOT NULL,
                bytes BIGINT NOT NULL)
            """,
        ]),
        new(2, "indexes for pruning expired rows", _ =>
        [
            "CREATE INDEX ix_leaderboard_submissions_created ON leaderboard_submissions (created_at)",
            "CREATE INDEX ix_refresh_tokens_expires ON refresh_tokens (expires_at)",
            "CREATE INDEX ix_login_throttle_window ON login_throttle (window_start)",
        ]),
        new(3, "case-insensitive login keys for usernames", _ =>
        [
            "ALTER TABLE users ADD COLUMN login_key TEXT NULL",
        ], FillLoginKeysAsync),
        new(4, "unique login keys, known-good login addresses, shared rate limits, idempotency fingerprints", _ =>
        [
            "CREATE UNIQUE INDEX ux_users_login_key ON users (login_key)",
            "ALTER TABLE login_throttle ADD COLUMN known_good_until BIGINT NOT NULL DEFAULT 0",
            "CREATE TABLE rate_limits (limit_key TEXT PRIMARY KEY, tat BIGINT NOT NULL)",
            "CREATE INDEX ix_rate_limits_tat ON rate_limits (tat)",
            "ALTER TABLE leaderboard_submissions ADD COLUMN request_hash TEXT NULL",
            """
            CREATE TABLE achievement_requests (
                achievement_id TEXT NOT NULL REFERENCES achievements (id),
                user_id BIGINT NOT NULL,
                idempotency_key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (achievement_id, user_id, idempotency_key))
            """,
            "CREATE INDEX ix_achievement_requests_created ON achievement_requests (created_at)",
        ]),
        new(5, "session directory and game-server fleet", SessionDirectoryMigration.Statements),
        new(6, "player-hosted (peer-to-peer) sessions: the host's public addresses", _ =>
        [
            "ALTER TABLE sessions ADD COLUMN host_addresses TEXT NULL",
        ]),
        new(7, "player-hosted sessions: the token key of a host that took over after a host migration (base64)", _ =>
        [
            "ALTER TABLE sessions ADD COLUMN host_key TEXT NULL",
        ]),
        new(8, "player-hosted sessions: the players the host reported connected, in its order of succession (comma-separated user ids)", _ =>
        [
            "ALTER TABLE sessions ADD COLUMN host_successors TEXT NULL",
        ]),
        new(9, "player-hosted sessions: when a member last reported its host lost (a takeover needs those behind the successor to agree)", _ =>
        [
            "ALTER TABLE session_members ADD COLUMN host_lost_at BIGINT NULL",
        ]),
        new(10, "sessions a player's quick-join created (counted against MaxSessionsPerPlayer while they stand empty)", _ =>
        [
            "ALTER TABLE sessions ADD COLUMN spawned_by BIGINT NULL",
            "CREATE INDEX ix_sessions_spawner ON sessions (spawned_by, state)",
        ]),
        new(11, "why a member's seat was freed (SessionLeaveReason; 0, a removal, for rows from before), for its game server", _ =>
        [
            "ALTER TABLE session_members ADD COLUMN left_why BIGINT NOT NULL DEFAULT 0",
        ]),
        new(12, "refresh tokens kept in their session: the current token's hash, its generation and expiry (one row per session however often it rotates)", _ =>
        [
            "ALTER TABLE auth_sessions ADD COLUMN refresh_hash TEXT NULL",
            "ALTER TABLE auth_sessions ADD COLUMN refresh_generation BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE auth_sessions ADD COLUMN refresh_expires_at BIGINT NOT NULL DEFAULT 0",
            // Sessions from before keep their tokens in refresh_tokens until they rotate; their expiry is their newest token's.
            "UPDATE auth_sessions SET refresh_expires_at = COALESCE((SELECT MAX(t.expires_at) FROM refresh_tokens t WHERE t.session_id = auth_sessions.id), 0)",
            "CREATE INDEX ix_auth_sessions_refresh_expires ON auth_sessions (refresh_expires_at)",
        ]),
        new(13, "idempotency keys by board and period, for leaderboard retention (it scanned every key of the board)", _ =>
        [
            "CREATE INDEX ix_leaderboard_submissions_period ON leaderboard_submissions (leaderboard_id, period_start)",
        ]),
        new(14, "shared rate limits: the generation of a counter row, so a permit is given back only to the row that granted it", _ =>
        [
            "ALTER TABLE rate_limits ADD COLUMN generation BIGINT NOT NULL DEFAULT 0",
        ]),
        new(15, "shared rate limits: the interval a row's arrival time is counted in, so a changed limit rescales the permits spent instead of keeping their old cost", _ =>
        [
            // 0: a row from before, counted in whatever interval its next request uses.
            "ALTER TABLE rate_limits ADD COLUMN interval_ms BIGINT NOT NULL DEFAULT 0",
        ]),
        new(16, "shared rate limits: the permits a row has granted, so a permit given back is placed among them in whatever interval the row is counted in now", _ =>
        [
            "ALTER TABLE rate_limits ADD COLUMN granted BIGINT NOT NULL DEFAULT 0",
        ]),
    ];

    /// <summary>
    /// Gives every existing account its login key. A name that follows <see cref="Usernames"/> gets its case-folded key,
    /// unless an older account already holds that key (look-alikes registered before the rules); such accounts, and
    /// names that break the rules, get <c>legacy:id</c> and keep logging in with their exact name.
    /// </summary>
    private static async Task FillLoginKeysAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, CancellationToken cancellationToken)
    {
        var users = await connection.QueryAsync(transaction, "SELECT id, username FROM users ORDER BY id",
            reader => (Id: reader.GetInt64(0), Name: reader.GetString(1)), cancellationToken).ConfigureAwait(false);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, name) in users)
        {
            string key = Usernames.TryNormalize(name, out string normalized, out _) && normalized == name && taken.Add(Usernames.LoginKey(normalized))
                ? Usernames.LoginKey(normalized)
                : "legacy:" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await connection.ExecuteAsync(transaction, "UPDATE users SET login_key = @k WHERE id = @id", cancellationToken, ("@k", key), ("@id", id)).ConfigureAwait(false);
        }
    }
}
