using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Keeps a disconnected player's entities (those whose <see cref="NetworkOwner"/> is its connection) for a
/// grace period. A reconnect with the same identity (the connect token's client id) within the period
/// gets them back, owner rewritten to the new connection; after it they are destroyed. Driven by
/// <see cref="RpcServer"/> on the tick thread. At most <see cref="MaxWaiting"/> players are waited for: one more leaving
/// releases the one that left first (its entities go at the end of the tick), and the waiting players are kept in the order
/// they left, which is the order their periods end, so <see cref="Expire"/> looks at those whose period is over and no other.
/// </summary>
public sealed partial class ReconnectGrace
{
    private readonly World world;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Dictionary<ulong, LinkedListNode<Held>> held = new();
    // Not released, oldest first: one period for all and a clock that never goes back, so also by when their period ends.
    private readonly LinkedList<Held> waiting = new();
    private readonly List<LinkedListNode<Held>> releasing = new();
    private readonly List<Held> expired = new();
    private readonly List<Entity> doomed = new();
    private readonly QueryDescription owned = new QueryDescription().WithAll<NetworkOwner>();

    /// <summary>Creates the grace keeper.</summary>
    /// <param name="world">The server world.</param>
    /// <param name="period">
    /// How long entities wait for their player; zero destroys them at the end of the disconnect's tick (<see cref="Expire"/>).
    /// At most <see cref="PeriodLimit"/>.
    /// </param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    public ReconnectGrace(World world, TimeSpan period, TimeProvider time, ILogger logger)
        : this(world, period, time, logger, DefaultMaxWaiting)
    {
    }

    /// <summary>Creates the grace keeper with a bound on how many players are waited for at once.</summary>
    /// <param name="world">The server world.</param>
    /// <param name="period">As in <see cref="ReconnectGrace(World, TimeSpan, TimeProvider, ILogger)"/>.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <param name="maxWaiting">The most players waited for at once (at least 1), <see cref="MaxWaiting"/>.</param>
    public ReconnectGrace(World world, TimeSpan period, TimeProvider time, ILogger logger, int maxWaiting)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(period, PeriodLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWaiting, 1);
        this.world = world;
        Period = period;
        MaxWaiting = maxWaiting;
        this.time = time;
        this.logger = logger;
        evictionLog = new RateLimitedLog(time, EvictionWarningInterval);
    }

    /// <summary>How long a disconnected player's entities are kept.</summary>
    public TimeSpan Period { get; }

    /// <summary>
    /// The longest grace period, one day: every player who leaves keeps its entities that long, so the period bounds how long
    /// a leaver's entities are held (<see cref="TimeSpan.MaxValue"/> kept them for good); <see cref="MaxWaiting"/> bounds how
    /// many leavers are waited for at once.
    /// </summary>
    public static readonly TimeSpan PeriodLimit = TimeSpan.FromDays(1);

    /// <summary>The default of <see cref="MaxWaiting"/>: 4,096 players.</summary>
    public const int DefaultMaxWaiting = 4096;

    /// <summary>
    /// The most players waited for at once. Without a bound, every identity that connected and left within the period kept
    /// its entities (a client with many tokens, or many players dropping at once, held as many as it liked for up to a day).
    /// One more leaving releases the player that left first, a little before its period ends: its entities go at the end of
    /// the tick (<see cref="Expired"/> is raised), it is counted by <see cref="SessionHostingMetrics.ReconnectGraceEvicted"/> and
    /// logged as released early (Information, event 3), and a warning says the grace is full, at most once a second with the
    /// evictions in between added up. The newest leavers are the likeliest to come back.
    /// </summary>
    public int MaxWaiting { get; }

    /// <summary>Players currently waited for (with those released in this tick, until its end).</summary>
    public int WaitingCount => held.Count;

    /// <summary>Raised (on the tick thread) when a player's grace period ended without a reconnect; its entities are gone.</summary>
    public event Action<ulong>? Expired;

    /// <summary>True while <paramref name="clientId"/> is waited for.</summary>
    /// <param name="clientId">A player identity.</param>
    /// <returns>True when its entities are kept.</returns>
    public bool IsWaitingFor(ulong clientId) => held.ContainsKey(clientId);

    /// <summary>Starts the grace period of a player that disconnected.</summary>
    /// <param name="connection">Its closed connection (the owner its entities still name).</param>
    /// <param name="clientId">Its identity.</param>
    internal void Hold(ConnectionId connection, ulong clientId)
    {
        // With a zero period too, the entities go at the end of this tick (Expire), not here: a replaced connection (its
        // client connected again from the same socket, docs/PROTOCOL.md 3.6) closes in the same receive as its new
        // connection opens, and the same player is restored before then. Destroyed here, a zero grace would make a
        // replacement lose the player everything it owned.
        if (held.Remove(clientId, out var previous))
        {
            Forget(previous);
        }
        if (waiting.Count >= MaxWaiting && waiting.First is { } oldest)
        {
            // Full: the player that left first goes (at the end of the tick, like a player who left the session).
            MarkReleased(oldest, evicted: true);
            SessionHostingMetrics.ReconnectGraceEvicted.Add(1);
            Evicted(oldest.Value.ClientId);
        }
        held[clientId] = waiting.AddLast(new Held(clientId, connection, time.GetTimestamp(), Released: false, Evicted: false));
    }

    /// <summary>
    /// Ends <paramref name="clientId"/>'s grace at the end of this tick (the next <see cref="Expire"/>): a player who left
    /// the session is not coming back, so its entities go once the tick's gameplay has seen its departure.
    /// </summary>
    /// <param name="clientId">Its identity; nothing happens unless it is waited for.</param>
    internal void Release(ulong clientId)
    {
        if (held.TryGetValue(clientId, out var node) && !node.Value.Released)
        {
            MarkReleased(node, evicted: false);
        }
    }

    /// <summary>Takes a waiting player out of the order of periods; it goes at the end of this tick.</summary>
    private void MarkReleased(LinkedListNode<Held> node, bool evicted)
    {
        waiting.Remove(node);
        node.Value = node.Value with { Released = true, Evicted = evicted };
        releasing.Add(node);
    }

    /// <summary>Takes a player that is no longer held out of the order (a released one is skipped at the end of the tick).</summary>
    private void Forget(LinkedListNode<Held> node)
    {
        if (node.List is not null)
        {
            waiting.Remove(node);
        }
    }

    /// <summary>Gives a returning player its entities back.</summary>
    /// <param name="connection">Its new connection.</param>
    /// <param name="clientId">Its identity.</param>
    /// <returns>True when it was waited for.</returns>
    internal bool Restore(ConnectionId connection, ulong clientId)
    {
        if (!held.Remove(clientId, out var node))
        {
            return false;
        }

        Forget(node);
        var old = node.Value;
        int restored = 0;
        foreach (ref var chunk in world.Query(in owned))
        {
            var owners = chunk.GetSpan<NetworkOwner>();
            for (int i = 0; i < owners.Length; i++)
            {
                if (owners[i].Connection == old.Connection)
                {
                    owners[i] = new NetworkOwner(connection);
                    restored++;
                }
            }
        }

        Reconnected(clientId, connection, restored, old.Connection);
        return true;
    }

    /// <summary>
    /// Destroys the entities of every player whose grace period is over, and of those released in this tick. Looks at those
    /// players only: the waiting ones are in the order their periods end, so it stops at the first still waited for.
    /// </summary>
    internal void Expire()
    {
        FlushEvictionWarning();
        if (held.Count == 0)
        {
            return;
        }

        expired.Clear();
        foreach (var node in releasing)
        {
            // Restored (or held again) since it was released: no longer this entry.
            if (held.TryGetValue(node.Value.ClientId, out var current) && current == node)
            {
                held.Remove(node.Value.ClientId);
                expired.Add(node.Value);
            }
        }
        releasing.Clear();
        while (waiting.First is { } first && time.GetElapsedTime(first.Value.Since) >= Period)
        {
            waiting.RemoveFirst();
            held.Remove(first.Value.ClientId);
            expired.Add(first.Value);
        }

        foreach (var entry in expired)
        {
            DestroyOwnedBy(entry.Connection);
            if (entry.Evicted)
            {
                ReleasedEarly(entry.ClientId, MaxWaiting, doomed.Count);
            }
            else if (entry.Released)
            {
                LeftSession(entry.ClientId, doomed.Count);
            }
            else
            {
                DidNotReturn(entry.ClientId, Period, doomed.Count);
            }

            Expired?.Invoke(entry.ClientId);
        }
    }

    private void DestroyOwnedBy(ConnectionId connection)
    {
        doomed.Clear();
        foreach (ref var chunk in world.Query(in owned))
        {
            var owners = chunk.GetReadOnlySpan<NetworkOwner>();
            var entities = chunk.Entities.AsSpan();
            for (int i = 0; i < owners.Length; i++)
            {
                if (owners[i].Connection == connection)
                {
                    doomed.Add(entities[i]);
                }
            }
        }

        foreach (var entity in doomed)
        {
            world.Destroy(entity);
        }
    }

    private readonly record struct Held(ulong ClientId, ConnectionId Connection, long Since, bool Released, bool Evicted);
}
