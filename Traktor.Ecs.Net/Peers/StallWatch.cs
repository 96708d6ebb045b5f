namespace Traktor.Ecs.Net;

/// <summary>
/// The other half of <see cref="HostLoss"/>'s rule, one for every migrating client (<see cref="MigratingPeer"/>, the
/// <see cref="Multiplayer"/> facade, Lua's hosting): a player whose own game stalled (it ticked and read nothing) for at
/// least its link's timeout, and whose host's snapshots went on well into the stall, was cut by that host, whose
/// Disconnect saying so may never arrive (a socket's receive queue is bounded: seconds of snapshots fill it first, and the
/// Disconnect is dropped). Such a player is out, as if the Disconnect had come; the silence that follows is no host loss.
/// </summary>
/// <remarks>
/// Shared by all three: a client without it takes the silence after the stall for the host's loss, raises "host lost",
/// reports the live host lost to the directory (a vote towards the quorum that lets a successor take the session from
/// it) and claims the session, until the migration gives up long after.
/// One watch per client connection; the owner calls <see cref="Stalled"/> before it judges a tick's read,
/// <see cref="HostOutlived"/> after it, and <see cref="Listened(long)"/> (or its connected overload) last — or, judging with the default margin, <see cref="CutDuringStall"/> for all three. Not thread-safe (the tick thread's).
/// </remarks>
internal sealed class StallWatch(TimeProvider time)
{
    /// <summary>
    /// How far into the stall the host's snapshots must have gone for a client without its own host silence (the facade,
    /// Lua): half the default <see cref="MigrationOptions.HostSilence"/>, as a <see cref="MigratingPeer"/> with the default
    /// settings judges. Packets in flight when the stall began prove nothing; snapshots half a second younger do.
    /// </summary>
    public static readonly TimeSpan DefaultAliveMargin = new MigrationOptions().HostSilence / 2;

    private uint listenedTick;
    private TimeSpan linkTimeout;
    private TimeSpan linkRtt;

    /// <summary>
    /// When the client last read its socket (a timestamp of the clock). A host's silence is measured up to then, not up to
    /// now: a client that froze had not read what its host sent meanwhile.
    /// </summary>
    public long ListenedAt { get; private set; }

    /// <summary>The connection timeout of the link, both ends' (zero until measured connected): the host cuts a player silent this long.</summary>
    public TimeSpan LinkTimeout => linkTimeout;

    /// <summary>
    /// A new connection starts (or none is up): the link's timeout is unknown until <see cref="Listened(long, in NetStats, uint)"/>
    /// measures it connected, so nothing counts as a stall before.
    /// </summary>
    /// <param name="now">A timestamp of the clock.</param>
    public void Restart(long now)
    {
        ListenedAt = now;
        linkTimeout = TimeSpan.Zero;
    }

    /// <summary>True when the client read nothing from its last read until <paramref name="now"/> for at least its link's timeout.</summary>
    /// <param name="now">A timestamp of the clock, taken before this tick's read is judged.</param>
    public bool Stalled(long now) => linkTimeout > TimeSpan.Zero && time.GetElapsedTime(ListenedAt, now) >= linkTimeout;

    /// <summary>
    /// True when the snapshots that waited through the stall show the host alive well into it: their ticks went on for at
    /// least <paramref name="margin"/> past the newest one read before it, less the half round trip that was in flight when
    /// the stall began. A host that died (or was cut off) as the client froze left nothing of the kind.
    /// </summary>
    /// <param name="newestTick">The host's newest snapshot tick after this tick's read.</param>
    /// <param name="tickRate">The host's tick rate.</param>
    /// <param name="margin">How far into the stall the host must have played on.</param>
    public bool HostOutlived(uint newestTick, int tickRate, TimeSpan margin)
    {
        uint advanced = unchecked(newestTick - listenedTick);
        if (advanced > int.MaxValue) return false; // nothing newer (the tick wraps)
        var sentIntoStall = TimeSpan.FromSeconds((double)advanced / tickRate) - (linkRtt / 2);
        return sentIntoStall >= margin;
    }

    /// <summary>
    /// One connected tick of a client that judges with <see cref="DefaultAliveMargin"/> (the facade, Lua): true when its host
    /// cut it during a stall (<see cref="Stalled"/>, then <see cref="HostOutlived"/>; judged only when
    /// <paramref name="mayMigrate"/>: without a migration to avoid, the silence is no host loss anyway), and the tick's read
    /// is recorded either way (<see cref="Listened(long, in NetStats, uint)"/>).
    /// </summary>
    /// <param name="now">A timestamp of the clock, taken when the client has read its socket this tick.</param>
    /// <param name="mayMigrate">Whether losing this host would start a migration (a player-hosted session, migration on).</param>
    /// <param name="stats">The connection's statistics.</param>
    /// <param name="newestTick">The host's newest snapshot tick after this tick's read.</param>
    /// <param name="tickRate">The host's tick rate.</param>
    /// <param name="stalledFor">How long the client had read nothing, for the caller's log.</param>
    public bool CutDuringStall(long now, bool mayMigrate, in NetStats stats, uint newestTick, int tickRate, out TimeSpan stalledFor)
    {
        stalledFor = time.GetElapsedTime(ListenedAt, now);
        bool cut = mayMigrate && Stalled(now) && HostOutlived(newestTick, tickRate, DefaultAliveMargin);
        Listened(now, stats, newestTick);
        return cut;
    }

    /// <summary>The client read its socket at <paramref name="now"/> and is not connected: only the time of the read counts.</summary>
    /// <param name="now">A timestamp of the clock.</param>
    public void Listened(long now) => ListenedAt = now;

    /// <summary>The client read its socket at <paramref name="now"/>, connected: the link as it is now, and the host's newest tick.</summary>
    /// <param name="now">A timestamp of the clock.</param>
    /// <param name="stats">The connection's statistics (its timeout, its round trip).</param>
    /// <param name="newestTick">The host's newest snapshot tick.</param>
    public void Listened(long now, in NetStats stats, uint newestTick)
    {
        ListenedAt = now;
        linkTimeout = stats.Timeout;
        linkRtt = TimeSpan.FromMilliseconds(stats.RoundTripTimeMs);
        listenedTick = newestTick;
    }
}
