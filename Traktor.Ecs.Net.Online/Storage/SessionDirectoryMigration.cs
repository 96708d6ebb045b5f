namespace Traktor.Ecs.Net.Online.Storage;

/// <summary>
/// The session directory's tables. States and reasons are the enums' numbers; times are Unix milliseconds;
/// tick times are microseconds, so every column is an integer both databases read alike.
/// </summary>
internal static class SessionDirectoryMigration
{
    public static IReadOnlyList<string> Statements(OnlineDatabase store) =>
    [
        """
        CREATE TABLE game_servers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            addresses TEXT NOT NULL,
            state BIGINT NOT NULL,
            max_players BIGINT NOT NULL,
            max_sessions BIGINT NOT NULL,
            reserved_players BIGINT NOT NULL,
            live_sessions BIGINT NOT NULL,
            connected_players BIGINT NOT NULL,
            tick_us BIGINT NOT NULL,
            registered_at BIGINT NOT NULL,
            last_heartbeat BIGINT NOT NULL,
            state_changed_at BIGINT NOT NULL)
        """,
        "CREATE INDEX ix_game_servers_state ON game_servers (state, last_heartbeat)",
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            max_players BIGINT NOT NULL,
            visibility BIGINT NOT NULL,
            host_kind BIGINT NOT NULL,
            server_id TEXT NULL REFERENCES game_servers (id),
            created_by BIGINT NULL,
            player_count BIGINT NOT NULL,
            state BIGINT NOT NULL,
            end_reason BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            ended_at BIGINT NULL,
            emptied_at BIGINT NULL)
        """,
        "CREATE INDEX ix_sessions_listing ON sessions (state, visibility, created_at)",
        "CREATE INDEX ix_sessions_server ON sessions (server_id, state)",
        "CREATE INDEX ix_sessions_creator ON sessions (created_by, state)",
        """
        CREATE TABLE session_properties (
            session_id TEXT NOT NULL REFERENCES sessions (id),
            property_key TEXT NOT NULL,
            property_value TEXT NOT NULL,
            PRIMARY KEY (session_id, property_key))
        """,
        "CREATE INDEX ix_session_properties_match ON session_properties (property_key, property_value)",
        """
        CREATE TABLE session_members (
            session_id TEXT NOT NULL REFERENCES sessions (id),
            user_id BIGINT NOT NULL,
            name TEXT NOT NULL,
            joined_at BIGINT NOT NULL,
            left_at BIGINT NULL,
            connected_at BIGINT NULL,
            PRIMARY KEY (session_id, user_id))
        """,
        "CREATE INDEX ix_session_members_open ON session_members (left_at, joined_at)",
        // One row per player that ever joined: the seat it holds (or none). Locking it serializes one player's joins
        // across backend nodes, so a player never holds two seats.
        """
        CREATE TABLE session_seats (
            user_id BIGINT PRIMARY KEY,
            session_id TEXT NULL)
        """,
    ];
}
