namespace Traktor.Ecs.Net.Sessions;

public sealed partial class InProcessSessions
{
    /// <summary>One session's state under the directory's lock: its members, when it stood empty, how it ended.</summary>
    private sealed class Session(SessionId id, SessionOptions options, DateTimeOffset createdAt)
    {
        private readonly Dictionary<string, string> properties = new(options.Properties ?? new Dictionary<string, string>());

        public SessionId Id { get; } = id;

        public SessionVisibility Visibility { get; } = options.Visibility;

        public int MaxPlayers { get; } = options.MaxPlayers;

        public List<SessionMember> Members { get; } = new();

        public SessionState State { get; private set; }

        /// <summary>The player whose quick-join created it, or 0 (made by <see cref="CreateSessionAsync"/>).</summary>
        public long SpawnedBy { get; init; }

        /// <summary>Since when nobody has been in it (its creation at first), or null while someone is.</summary>
        public DateTimeOffset? EmptySince { get; private set; } = createdAt;

        private SessionEndReason endReason;
        private DateTimeOffset? endedAt;

        public bool IsMember(long userId) => Members.Exists(m => m.UserId == userId);

        public void Add(SessionMember member)
        {
            Members.Add(member);
            EmptySince = null;
        }

        /// <summary>Removes the player's seat (only the one granted at <paramref name="grantedAt"/>, to the millisecond, when given).</summary>
        public bool Remove(long userId, DateTimeOffset at, DateTimeOffset? grantedAt = null)
        {
            long? granted = grantedAt?.ToUnixTimeMilliseconds();
            if (Members.RemoveAll(m => m.UserId == userId && (granted is null || m.JoinedAt.ToUnixTimeMilliseconds() == granted)) == 0)
            {
                return false;
            }

            if (Members.Count == 0)
            {
                EmptySince = at;
            }

            return true;
        }

        public void EndAs(SessionEndReason reason, DateTimeOffset at)
        {
            State = SessionState.Ended;
            endReason = reason;
            endedAt = at;
        }

        public SessionInfo Snapshot() =>
            new(Id, options.Name, MaxPlayers, Visibility, properties, Members.ToArray(), createdAt)
            {
                State = State,
                EndReason = endReason,
                EndedAt = endedAt,
            };
    }
}
