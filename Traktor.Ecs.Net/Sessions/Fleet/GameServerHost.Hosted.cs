namespace Traktor.Ecs.Net.Sessions;

/// <summary>The per-session bookkeeping of the host.</summary>
public sealed partial class GameServerHost
{
    /// <summary>How long an ended session's world keeps ticking so its disconnects reach the players.</summary>
    private static readonly TimeSpan ClosingGrace = TimeSpan.FromSeconds(1);

    /// <summary>How long a closed session's id is remembered, so a late ticket or assignment cannot reopen it (tickets expire well before).</summary>
    private static readonly TimeSpan ClosedMemory = TimeSpan.FromMinutes(5);

    private sealed class Hosted(SessionId id, SessionEndpoint endpoint, IHostedSession game, long openedAtSequence, DateTimeOffset openedAt, bool fromTicket)
    {
        /// <summary>Opened from a player's ticket (id and capacity only) and not listed by the directory since.</summary>
        public bool FromTicket { get; set; } = fromTicket;

        private double intervalMilliseconds;
        private int intervalTicks;

        public SessionId Id { get; } = id;

        public SessionEndpoint Endpoint { get; } = endpoint;

        public IHostedSession Game { get; } = game;

        /// <summary>The heartbeat count when it opened: a heartbeat sent after that must list it.</summary>
        public long OpenedAtSequence { get; } = openedAtSequence;

        public DateTimeOffset OpenedAt { get; } = openedAt;

        public DateTimeOffset? EndedAt { get; set; }

        /// <summary>Mean tick time over the last closed heartbeat interval, in milliseconds.</summary>
        public double LastMeanTick { get; private set; }

        public void AddTick(double milliseconds)
        {
            intervalMilliseconds += milliseconds;
            intervalTicks++;
        }

        public void CloseInterval()
        {
            LastMeanTick = intervalTicks == 0 ? 0 : Math.Min(intervalMilliseconds / intervalTicks, 60_000);
            intervalMilliseconds = 0;
            intervalTicks = 0;
        }
    }
}
