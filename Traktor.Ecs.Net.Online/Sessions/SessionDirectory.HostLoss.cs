using System.Data.Common;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

// A takeover after a host migration needs more than the directory's own view of the host's silence: the players behind
// the successor in the order of succession see the host directly, and half of them must have lost it too.
public sealed partial class SessionDirectory
{
    /// <summary>
    /// A member of a player-hosted session reports that its game lost the session's host (its <see cref="MigratingPeer"/>
    /// elected another): the directory counts it towards the takeover (<see cref="ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/>) of a successor ahead
    /// of it, until the host reports again. A report older than the host's last heartbeat counts for nothing.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="userId">The member reporting (over HTTP a player may only name itself).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes once the report is stored.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.NotFound"/> when the session is not live;
    /// <see cref="OnlineError.Forbidden"/> when it is not player-hosted, <paramref name="userId"/> holds no seat or is its host.</exception>
    public async Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
    {
        CheckUser(userId);
        string sessionId = id.ToString();
        await _db.WriteAsync(async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync(transaction,
                "SELECT state, host_kind, created_by FROM sessions WHERE id = @id",
                reader => (State: (SessionState)reader.GetInt64(0), Kind: (SessionHostKind)reader.GetInt64(1), Host: reader.GetNullableInt64(2)),
                cancellationToken, ("@id", sessionId)).ConfigureAwait(false);
            if (row.State != SessionState.Live || row.Host is null)
            {
                throw OnlineException.NotFound($"No live session {sessionId}.");
            }

            if (row.Kind != SessionHostKind.Player || row.Host == userId)
            {
                throw new OnlineException(OnlineError.Forbidden, "Only a member of a player-hosted session other than its host reports the host lost.");
            }

            if (await connection.ExecuteAsync(transaction, "UPDATE session_members SET host_lost_at = @t WHERE session_id = @s AND user_id = @u AND left_at IS NULL",
                cancellationToken, ("@t", NowMs), ("@s", sessionId), ("@u", userId)).ConfigureAwait(false) != 1)
            {
                throw new OnlineException(OnlineError.Forbidden, "Only a player seated in the session reports its host lost.");
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        SessionMetrics.HostLossReports.Add(1);
        _logger.LogInformation("Player {Player} reports the host of session {Session} lost", userId, sessionId);
    }

    /// <summary>
    /// Refuses (<see cref="OnlineError.Conflict"/>, retry shortly) the takeover by the successor of rank <paramref name="rank"/>
    /// while a successor ahead of it reported the host lost since its last heartbeat (<paramref name="lastReport"/>) and
    /// less than <see cref="SessionDirectoryOptions.HostClaimAfter"/> ago: that one is alive and migrating, and its claim comes
    /// (a refusal for want of quorum has it retry within half a second). Turns alone do not order live successors: the
    /// players see the host lost only after their connection's timeout (10 s by default), when every turn may have begun,
    /// so the first claim to arrive won, and the first successor, refused until a player behind it reported, lost the session
    /// to that player's claim made in its retry gap. A successor ahead that reported and then died delays the claimant by
    /// one turn at most.
    /// </summary>
    private async Task RequireNoSuccessorAheadMigratingAsync(DbConnection connection, DbTransaction transaction, string sessionId, List<long> successors,
        int rank, long lastReport, long now, CancellationToken cancellationToken)
    {
        if (rank == 0) return;
        long turn = (long)_options.HostClaimAfter.TotalMilliseconds;
        var ahead = successors.Take(rank).ToHashSet();
        // Bounded by the session's MaxPlayers, as the quorum's query: the seated members who reported since the host's last
        // heartbeat, within a turn.
        long? latest = null;
        foreach (var (user, reportedAt) in await connection.QueryAsync(transaction,
                     "SELECT user_id, host_lost_at FROM session_members WHERE session_id = @s AND left_at IS NULL AND host_lost_at >= @since",
                     reader => (reader.GetInt64(0), reader.GetInt64(1)), cancellationToken, ("@s", sessionId), ("@since", Math.Max(lastReport, now - turn + 1)))
                     .ConfigureAwait(false))
        {
            if (ahead.Contains(user) && reportedAt > (latest ?? long.MinValue)) latest = reportedAt;
        }

        if (latest is { } since)
        {
            throw new OnlineException(OnlineError.Conflict,
                "A successor ahead of this one lost the host too and is taking the session over; this one may only if it does not within its turn.",
                TimeSpan.FromMilliseconds(Math.Clamp(since + turn - now, 100, 500)));
        }
    }

    /// <summary>
    /// Refuses (<see cref="OnlineError.Conflict"/>, retry shortly) the takeover by the successor of rank
    /// <paramref name="rank"/> until half the successors behind it (rounded up) reported the host lost since its last
    /// heartbeat (<paramref name="lastReport"/>), or until the host has been silent past every successor's turn (they died
    /// too, or run a game that never reports). The directory alone sees only the host's heartbeats, which a member sharing
    /// its address can starve (the per-address request limit), or which a flood can stop for a few seconds while the game
    /// itself goes on; the players behind the successor see the host itself. <paramref name="grace"/> (ms) lengthens every
    /// turn for a host that has not published its address yet (<see cref="SessionDirectoryOptions.HostPublishGrace"/>).
    /// </summary>
    private async Task RequireHostLossQuorumAsync(DbConnection connection, DbTransaction transaction, string sessionId, List<long> successors, int rank,
        long lastReport, long grace, long now, CancellationToken cancellationToken)
    {
        var behind = successors.Skip(rank + 1).ToList();
        int needed = (behind.Count + 1) / 2;
        long everyTurn = (successors.Count + 1) * (long)_options.HostClaimAfter.TotalMilliseconds + grace;
        if (needed == 0 || now - lastReport >= everyTurn) return;
        // One query for the whole session: the members still seated who reported since the host's last heartbeat. The
        // set is bounded by the session's MaxPlayers; it is then narrowed to the successors behind this one.
        var reported = new HashSet<long>(await connection.QueryAsync(transaction,
            "SELECT user_id FROM session_members WHERE session_id = @s AND left_at IS NULL AND host_lost_at >= @since",
            reader => reader.GetInt64(0), cancellationToken, ("@s", sessionId), ("@since", lastReport)).ConfigureAwait(false));
        int agreeing = behind.Count(reported.Contains);

        if (agreeing < needed)
        {
            throw new OnlineException(OnlineError.Conflict,
                $"{agreeing} of the {behind.Count} players behind this successor reported the host lost; {needed} must (or the host be silent for every successor's turn).",
                TimeSpan.FromMilliseconds(Math.Clamp(lastReport + everyTurn - now, 100, 500)));
        }
    }
}
