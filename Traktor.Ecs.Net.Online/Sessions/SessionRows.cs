using System.Data.Common;
using System.Text;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>Reads sessions, their properties and members back into <see cref="SessionInfo"/>s, a page at a time, and deletes ended ones.</summary>
internal static class SessionRows
{
    private const string Columns = "id, name, max_players, visibility, host_kind, server_id, state, end_reason, created_at, ended_at, created_by";

    /// <summary>Loads the sessions with <paramref name="ids"/>, in that order (missing ones are skipped).</summary>
    public static async Task<List<SessionInfo>> LoadAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var result = new List<SessionInfo>(ids.Count);
        if (ids.Count == 0)
        {
            return result;
        }

        var (inList, parameters) = InList("@i", ids);
        var rows = await connection.QueryAsync(transaction, $"SELECT {Columns} FROM sessions WHERE id IN ({inList})", ReadRow, cancellationToken, parameters).ConfigureAwait(false);
        var properties = await connection.QueryAsync(transaction,
            $"SELECT session_id, property_key, property_value FROM session_properties WHERE session_id IN ({inList})",
            reader => (Session: reader.GetString(0), Key: reader.GetString(1), Value: reader.GetString(2)), cancellationToken, parameters).ConfigureAwait(false);
        var members = await connection.QueryAsync(transaction,
            $"SELECT session_id, user_id, name, joined_at FROM session_members WHERE session_id IN ({inList}) AND left_at IS NULL ORDER BY joined_at, user_id",
            reader => (Session: reader.GetString(0), Member: new SessionMember(reader.GetInt64(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))),
            cancellationToken, parameters).ConfigureAwait(false);

        var byId = rows.ToDictionary(r => r.Id);
        foreach (string id in ids)
        {
            if (!byId.TryGetValue(id, out var row))
            {
                continue;
            }

            var props = properties.Where(p => p.Session == id).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var list = members.Where(m => m.Session == id).Select(m => m.Member).ToArray();
            result.Add(row.ToInfo(props, list));
        }

        return result;
    }

    /// <summary>Loads one session, or null.</summary>
    public static async Task<SessionInfo?> LoadOneAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        var list = await LoadAsync(connection, transaction, [id], cancellationToken).ConfigureAwait(false);
        return list.Count == 0 ? null : list[0];
    }

    /// <summary>Deletes ended sessions with their members and properties, and frees the seats that still name them.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The write transaction.</param>
    /// <param name="ids">The sessions (at most a few hundred: one IN list).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many sessions were deleted.</returns>
    public static async Task<int> DeleteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var (inList, parameters) = InList("@i", ids);
        await connection.ExecuteAsync(transaction, $"DELETE FROM session_members WHERE session_id IN ({inList})", cancellationToken, parameters).ConfigureAwait(false);
        await connection.ExecuteAsync(transaction, $"DELETE FROM session_properties WHERE session_id IN ({inList})", cancellationToken, parameters).ConfigureAwait(false);
        await connection.ExecuteAsync(transaction, $"UPDATE session_seats SET session_id = NULL WHERE session_id IN ({inList})", cancellationToken, parameters).ConfigureAwait(false);
        return await connection.ExecuteAsync(transaction, $"DELETE FROM sessions WHERE id IN ({inList})", cancellationToken, parameters).ConfigureAwait(false);
    }

    /// <summary>"@p0, @p1, …" and the matching parameters.</summary>
    public static (string Sql, (string, object?)[] Parameters) InList<T>(string prefix, IReadOnlyList<T> values)
    {
        var sql = new StringBuilder();
        var parameters = new (string, object?)[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            string name = prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "" : ", ").Append(name);
            parameters[i] = (name, values[i]);
        }

        return (sql.ToString(), parameters);
    }

    private static Row ReadRow(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), (int)reader.GetInt64(2), (SessionVisibility)reader.GetInt64(3), (SessionHostKind)reader.GetInt64(4),
        reader.GetNullableString(5), (SessionState)reader.GetInt64(6), (SessionEndReason)reader.GetInt64(7), reader.GetInt64(8), reader.GetNullableInt64(9), reader.GetNullableInt64(10));

    private sealed record Row(string Id, string Name, int MaxPlayers, SessionVisibility Visibility, SessionHostKind HostKind, string? ServerId,
        SessionState State, SessionEndReason EndReason, long CreatedAt, long? EndedAt, long? CreatedBy)
    {
        public SessionInfo ToInfo(IReadOnlyDictionary<string, string> properties, IReadOnlyList<SessionMember> members)
        {
            SessionId.TryParse(Id, out var id);
            return new SessionInfo(id, Name, MaxPlayers, Visibility, properties, members, DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt))
            {
                State = State,
                EndReason = EndReason,
                EndedAt = EndedAt is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null,
                HostKind = HostKind,
                ServerId = ServerId,
                HostUserId = HostKind == SessionHostKind.Player ? CreatedBy : null,
            };
        }
    }
}
