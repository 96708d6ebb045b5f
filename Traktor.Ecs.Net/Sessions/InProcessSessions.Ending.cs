namespace Traktor.Ecs.Net.Sessions;

/// <summary>How sessions end: by request, and (after quick-joins) once they stood empty too long; the newest ended ones stay readable.</summary>
public sealed partial class InProcessSessions
{
    /// <inheritdoc />
    public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
        Task.FromResult(End(id, SessionEndReason.Ended));

    /// <summary>Ends a session for <paramref name="reason"/> (for example <see cref="SessionEndReason.ServerShutdown"/> when the process stops).</summary>
    /// <param name="id">The session.</param>
    /// <param name="reason">Why.</param>
    /// <returns>False when it did not exist or had already ended.</returns>
    public bool End(SessionId id, SessionEndReason reason)
    {
        if (reason == SessionEndReason.None)
        {
            throw new ArgumentException("A session ends for a reason.", nameof(reason));
        }

        lock (gate)
        {
            if (!sessions.TryGetValue(id, out var session) || session.State != SessionState.Live)
            {
                return false;
            }

            EndLocked(session, reason);
        }

        SessionEnded?.Invoke(id, reason);
        return true;
    }

    private void EndLocked(Session session, SessionEndReason reason)
    {
        session.EndAs(reason, time.GetUtcNow());
        byAge.Remove(session);
        foreach (var member in session.Members)
        {
            seatOf.Remove(member.UserId);
        }

        ended.Enqueue(session.Id);
        while (ended.Count > EndedSessionsKept)
        {
            sessions.Remove(ended.Dequeue());
        }
    }

    /// <summary>Ends the sessions quick-joins created that have stood empty for <see cref="EmptySessionTimeout"/> (events raised by the caller, outside the lock).</summary>
    private void EndStaleSpawnedLocked(List<SessionId> endedNow)
    {
        var horizon = time.GetUtcNow() - EmptySessionTimeout;
        foreach (var session in byAge)
        {
            if (session.SpawnedBy != 0 && session.EmptySince is { } since && since <= horizon)
            {
                endedNow.Add(session.Id);
            }
        }

        foreach (var id in endedNow)
        {
            EndLocked(sessions[id], SessionEndReason.Empty);
        }
    }

    private void RaiseEnded(List<SessionId> endedNow, SessionEndReason reason)
    {
        foreach (var id in endedNow)
        {
            SessionEnded?.Invoke(id, reason);
        }
    }
}
