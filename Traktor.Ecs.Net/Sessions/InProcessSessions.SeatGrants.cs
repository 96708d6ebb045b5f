namespace Traktor.Ecs.Net.Sessions;

public sealed partial class InProcessSessions
{
    // The last seat event (a grant, or a departure) of each player, in whole milliseconds, kept only while it is not in the
    // past of the directory's millisecond: only a grant in that same millisecond could collide with it. Under the lock.
    private readonly Dictionary<long, long> lastSeatEventMs = new();
    private long seatEventsPrunedAtMs = long.MinValue;

    /// <summary>
    /// The grant time of a seat <paramref name="userId"/> takes now, to the millisecond as a ticket carries it, and always
    /// later than the player's previous grant and departure. Were a join, a leave and a rejoin within one millisecond to give
    /// both seats one grant time, a late seat-conditional leave of the first (a game server's grace-expiry report) would free
    /// the second, and the game server, which voids tickets issued until a departure, would refuse the rejoin's ticket.
    /// </summary>
    private DateTimeOffset GrantSeatLocked(long userId, DateTimeOffset now)
    {
        long ms = now.ToUnixTimeMilliseconds();
        ForgetPastSeatEventsLocked(ms);
        if (lastSeatEventMs.TryGetValue(userId, out long last) && last >= ms)
        {
            ms = last + 1; // the next millisecond: a grant a millisecond ahead of the clock at most per event in this one
        }

        lastSeatEventMs[userId] = ms;
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    /// <summary>
    /// When a seat of <paramref name="userId"/> freed <paramref name="now"/> departs: now, or the seat's grant when that was
    /// moved a millisecond ahead of the clock. A seat granted at X + 1 and left at X must not depart before its own grant:
    /// a game server, which voids tickets issued until a departure, would still admit that seat's ticket.
    /// </summary>
    private DateTimeOffset DepartureTimeLocked(long userId, DateTimeOffset now) =>
        lastSeatEventMs.TryGetValue(userId, out long last) && last > now.ToUnixTimeMilliseconds()
            ? DateTimeOffset.FromUnixTimeMilliseconds(last)
            : now;

    /// <summary>A seat of <paramref name="userId"/> was freed at <paramref name="at"/>: its next grant comes after it.</summary>
    private void NoteDepartureLocked(long userId, DateTimeOffset at)
    {
        long ms = at.ToUnixTimeMilliseconds();
        ForgetPastSeatEventsLocked(ms);
        if (!lastSeatEventMs.TryGetValue(userId, out long last) || last < ms)
        {
            lastSeatEventMs[userId] = ms;
        }
    }

    // Events before this millisecond constrain no grant any more (a grant now is at least this millisecond): forgotten, once
    // per millisecond, so the map holds one millisecond's joins and leaves at most, however many players come and go.
    private void ForgetPastSeatEventsLocked(long nowMs)
    {
        if (nowMs <= seatEventsPrunedAtMs || lastSeatEventMs.Count == 0)
        {
            return;
        }

        seatEventsPrunedAtMs = nowMs;
        foreach (var (userId, ms) in lastSeatEventMs)
        {
            if (ms < nowMs)
            {
                lastSeatEventMs.Remove(userId);
            }
        }
    }
}
