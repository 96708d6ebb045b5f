using System.Data.Common;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

// A successor the directory gave a session may quit before it hosts it: it gives the session back, and the next
// successor takes over at once instead of waiting out the claimant's silence.
public sealed partial class SessionDirectory
{
    /// <inheritdoc/>
    public async Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
    {
        CheckUser(userId);
        string sessionId = id.ToString();
        bool ended = false;
        bool released = await _db.WriteAsync(async (connection, transaction) =>
        {
            ended = false;
            long now = NowMs;
            string? seat = await LockSeatAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            var row = await LockLiveHostRowAsync(connection, transaction, sessionId, cancellationToken).ConfigureAwait(false);

            if (row.Kind != SessionHostKind.Player || row.Host != userId)
            {
                throw new OnlineException(OnlineError.Forbidden, "Only the player hosting a session may give it back.");
            }

            if (!await ReleaseSeatAsync(connection, transaction, sessionId, userId, SessionLeaveReason.Left, now, cancellationToken).ConfigureAwait(false))
            {
                return false; // released already (a repeated call): nothing more to do
            }

            if (seat == sessionId)
            {
                await connection.ExecuteAsync(transaction, "UPDATE session_seats SET session_id = NULL WHERE user_id = @u", cancellationToken, ("@u", userId)).ConfigureAwait(false);
            }

            // Joins wait for the next host's first heartbeat rather than get tokens for this one.
            await connection.ExecuteAsync(transaction, "UPDATE sessions SET host_addresses = NULL WHERE id = @id", cancellationToken, ("@id", sessionId)).ConfigureAwait(false);
            if (!await HasSeatedSuccessorAsync(connection, transaction, sessionId, row.Successors, userId, cancellationToken).ConfigureAwait(false))
            {
                // Nobody is left to take it over: the session is lost with its host, as when the sweep releases a silent one.
                ended = await EndLockedAsync(connection, transaction, sessionId, SessionEndReason.ServerLost, now, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (ended)
        {
            Ended(sessionId, SessionEndReason.ServerLost);
        }

        if (released)
        {
            SessionMetrics.HostReleases.Add(1);
            _logger.LogInformation("Player {Player} gave session {Session} back; its next successor may take it over at once", userId, sessionId);
        }

        return released;
    }

    /// <summary>
    /// Within a leave that freed the seat of <paramref name="userId"/>, the session's player host: true when the session is
    /// given back rather than ended, because this host never served it — it has not published its address since the
    /// directory recorded it (a successor whose claim was granted but who left, or whose claim's answer was lost, before
    /// hosting) — and a successor it could hand the session to is still seated. The session then goes on as after
    /// <see cref="ReleaseHostAsync"/>: the next successor may take it over at once. A host that published ends its session
    /// when it leaves, as before: its players were playing under it.
    /// </summary>
    private async Task<bool> GivenBackOnLeaveAsync(DbConnection connection, DbTransaction transaction, string sessionId, long userId, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync(transaction, "SELECT host_successors, host_addresses FROM sessions WHERE id = @id",
            reader => (Successors: reader.IsDBNull(0) ? "" : reader.GetString(0), Published: !reader.IsDBNull(1)), cancellationToken, ("@id", sessionId)).ConfigureAwait(false);
        if (row.Published || !await HasSeatedSuccessorAsync(connection, transaction, sessionId, row.Successors, userId, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        SessionMetrics.HostReleases.Add(1);
        _logger.LogInformation("Player {Player} left session {Session} before hosting it; the session is given back and its next successor may take it over", userId, sessionId);
        return true;
    }

    /// <summary>True when a player of the order of succession <paramref name="successors"/> other than <paramref name="userId"/> is still seated.</summary>
    private static async Task<bool> HasSeatedSuccessorAsync(DbConnection connection, DbTransaction transaction, string sessionId, string successors, long userId,
        CancellationToken cancellationToken)
    {
        foreach (long next in ParseSuccessors(successors))
        {
            if (next != userId && await IsSeatedAsync(connection, transaction, sessionId, next, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }
}
