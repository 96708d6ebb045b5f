using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Keeps a disconnected player's entities (those whose <see cref="NetworkOwner"/> is its connection) for a
/// grace period. A reconnect with the same identity (the connect token's client id) within the period
/// gets them back, owner rewritten to the new connection; after it they are destroyed. Driven by
/// <see cref="RpcServer"/> on the tick thread.
/// </summary>
public sealed class ReconnectGrace
{
    private readonly World world;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Dictionary<ulong, Held> held = new();
    private readonly List<ulong> expired = new();
    private readonly List<Entity> doomed = new();
    private readonly QueryDescription owned = new QueryDescription().WithAll<NetworkOwner>();

    /// <summary>Creates the grace keeper.</summary>
    /// <param name="world">The server world.</param>
    /// <param name="period">
    /// How long entities wait for their player; zero destroys them at the end of the disconnect's tick (<see cref="Expire"/>).
    /// At most <see cref="MaxPeriod"/>.
    /// </param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    public ReconnectGrace(World world, TimeSpan period, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(period, MaxPeriod);
        this.world = world;
        Period = period;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>How long a disconnected player's entities are kept.</summary>
    public TimeSpan Period { get; }

    /// <summary>
    /// The longest grace period, one day: every player who leaves keeps its entities that long, so the period bounds how long
    /// a leaver's entities are held (<see cref="TimeSpan.MaxValue"/> kept them for good); how many leavers are waited for at
    /// once is not capped here.
    /// </summary>
    public static TimeSpan MaxPeriod { get; } = TimeSpan.FromDays(1);

    /// <summary>Players currently waited for.</summary>
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
        held[clientId] = new Held(connection, time.GetTimestamp(), Released: false);
    }

    /// <summary>
    /// Ends <paramref name="clientId"/>'s grace at the end of this tick (the next <see cref="Expire"/>): a player who left
    /// the session is not coming back, so its entities go once the tick's gameplay has seen its departure.
    /// </summary>
    /// <param name="clientId">Its identity; nothing happens unless it is waited for.</param>
    internal void Release(ulong clientId)
    {
        if (held.TryGetValue(clientId, out var entry))
        {
            held[clientId] = entry with { Released = true };
        }
    }

    /// <summary>Gives a returning player its entities back.</summary>
    /// <param name="connection">Its new connection.</param>
    /// <param name="clientId">Its identity.</param>
    /// <returns>True when it was waited for.</returns>
    internal bool Restore(ConnectionId connection, ulong clientId)
    {
        if (!held.Remove(clientId, out var old))
        {
            return false;
        }

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

        logger.LogInformation("Client {ClientId} reconnected as {Connection}: {Count} entities restored from {Old}.", clientId, connection, restored, old.Connection);
        return true;
    }

    /// <summary>Destroys the entities of every player whose grace period is over.</summary>
    internal void Expire()
    {
        if (held.Count == 0)
        {
            return;
        }

        expired.Clear();
        foreach (var (clientId, entry) in held)
        {
            if (entry.Released || time.GetElapsedTime(entry.Since) >= Period)
            {
                expired.Add(clientId);
            }
        }

        foreach (ulong clientId in expired)
        {
            held.Remove(clientId, out var entry);
            DestroyOwnedBy(entry.Connection);
            if (entry.Released)
            {
                logger.LogInformation("Client {ClientId} left its session: {Count} entities destroyed.", clientId, doomed.Count);
            }
            else
            {
                logger.LogInformation("Client {ClientId} did not return within {Period}: {Count} entities destroyed.", clientId, Period, doomed.Count);
            }

            Expired?.Invoke(clientId);
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

    private readonly record struct Held(ConnectionId Connection, long Since, bool Released);
}
