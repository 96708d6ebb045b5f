using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// The networking side of the world the scripts run in: its <see cref="NetworkServer"/> or
/// <see cref="NetworkClient"/>, found in <see cref="World.Resources"/> when needed.
/// </summary>
internal sealed class ScriptNetwork
{
    public ScriptNetwork(World world, TimeProvider time, ILogger logger)
    {
        World = world;
        Hosting = new ScriptHosting(this, time, logger);
    }

    public World World { get; }

    /// <summary>The session side of the listen server the game's <see cref="ScriptServices.StartHosting"/> started, shared by the scripts.</summary>
    public ScriptHosting Hosting { get; }

    public NetworkClient? Client => World.Resources.TryGet<NetworkClient>(out var client) ? client : null;

    public NetworkServer? Server => World.Resources.TryGet<NetworkServer>(out var server) ? server : null;

    /// <summary>The owners a player host last sent this world's client, and the replica a successor hosts (one per client, shared by the scripts).</summary>
    public ReplicaTakeover Replica { get; } = new();

    /// <summary>
    /// The world the last session ended with, kept for the end screen until a script joins or creates another session, or
    /// calls <c>leaveSession()</c> (one per world, shared by the scripts: a script other than the one that played may join next).
    /// </summary>
    public EndedSessionWorld EndScreen { get; } = new();

    private NetworkClient? _listening;

    /// <summary>Listens for a player host's owners on <paramref name="client"/> (once per client; on the tick thread).</summary>
    public void ListenForOwners(NetworkClient client, ILogger logger)
    {
        if (ReferenceEquals(_listening, client))
        {
            return;
        }

        _listening = client;
        try
        {
            Replica.Listen(client);
        }
        catch (InvalidOperationException exception)
        {
            // A Multiplayer (or a MigratingPeer) on this client listens already: scripts migrate without the owners.
            logger.LogWarning(exception, "Another listener of the host's owners on this NetworkClient: after a host migration the scripts' host cannot hand entities back to their owners.");
        }
    }

    /// <summary>Where a script's RPC goes: from a server to every client, from a client to the server.</summary>
    public RpcTarget RpcTarget => World.Resources.TryGet<RpcServer>(out _) ? RpcTarget.AllClients : RpcTarget.Server;

    /// <summary>The client's link, or on a server the mean ping/loss and summed traffic of every connection.</summary>
    public (NetStats Stats, int Connections)? Stats()
    {
        if (Client is { } client)
        {
            return (client.Transport.GetStats(), client.Transport.State == ClientState.Connected ? 1 : 0);
        }

        if (Server is not { } server)
        {
            return null;
        }

        double rtt = 0, loss = 0, jitter = 0, bytesIn = 0, bytesOut = 0;
        long sent = 0, received = 0;
        int count = 0;
        foreach (var connection in server.Connections)
        {
            if (server.Transport.TryGetStats(connection, out var stats))
            {
                count++;
                rtt += stats.RoundTripTimeMs;
                loss += stats.PacketLossPercent;
                jitter += stats.JitterMs;
                bytesIn += stats.BytesInPerSecond;
                bytesOut += stats.BytesOutPerSecond;
                sent += stats.PacketsSent;
                received += stats.PacketsReceived;
            }
        }

        int divisor = Math.Max(1, count);
        return (new NetStats
        {
            RoundTripTimeMs = rtt / divisor,
            PacketLossPercent = loss / divisor,
            JitterMs = jitter / divisor,
            BytesInPerSecond = bytesIn,
            BytesOutPerSecond = bytesOut,
            PacketsSent = sent,
            PacketsReceived = received,
        }, count);
    }
}
