using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport.WebSockets;
using Traktor.Ecs.Net.Web.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// The WebSocket server's connection gate and its channel admissions, driven step by step (connections that record
/// their abort; each request's steps run when the test says so), so the moments two Kestrel threads could meet are
/// taken one at a time, with no timing.
/// </summary>
public sealed class ConnectionGateAdmissionTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// A connection whose upgrade request was admitted (it holds a channel) but whose channel is not yet bound to the
    /// gate is on its way, not silent: the full gate must make room by closing a connection that holds nothing. Before,
    /// the gate saw no channel, closed it as silent (its admission still held until its upgrade failed) and the
    /// newcomer that took its place was refused by the admission its victim still held.
    /// </summary>
    [Fact]
    public async Task A_connection_holding_an_admission_mid_upgrade_is_not_closed_as_a_silent_one()
    {
        var options = new StreamTransportOptions { MaxConnections = 1, AcceptsPerPass = 1 };
        var peers = new WebSocketPeers(options, _time, NullLogger.Instance);
        var gate = new ConnectionGate(options, peers.Counters, () => peers.Now, total: 2, peers);
        var done = new TaskCompletionSource();

        // At 0 s: a connection whose upgrade request is admitted; its upgrade then waits (Kestrel writing the 101).
        var upgrading = new StepConnection("upgrading", "127.0.1.1");
        var admitted = new TaskCompletionSource<bool>();
        var upgradingRun = gate.RunAsync(upgrading, connection =>
        {
            admitted.SetResult(gate.TryAdmit(peers, connection.ConnectionId, Address(connection)));
            return done.Task;
        });
        Assert.True(await admitted.Task);
        // At 0.5 s: a connection that sends nothing. The gate (2) is full.
        _time.Advance(TimeSpan.FromSeconds(0.5));
        var silent = new StepConnection("silent", "127.0.1.2");
        var silentRun = gate.RunAsync(silent, _ => done.Task);
        _time.Advance(TimeSpan.FromSeconds(3.5));

        // A newcomer: the silent one makes room, not the one whose upgrade holds the channel.
        var newcomer = new StepConnection("newcomer", "127.0.0.1");
        var newcomerRun = gate.RunAsync(newcomer, _ => done.Task);
        Assert.Equal((true, false, false), (silent.Aborted, upgrading.Aborted, newcomer.Aborted));
        Assert.Equal((1L, 0L), (peers.Counters.HandshakeTimeouts, peers.Counters.Refused));

        done.SetResult();
        await Task.WhenAll(upgradingRun, silentRun, newcomerRun);
    }

    /// <summary>
    /// The gate closes a silent upgraded channel for a newcomer while another upgrade asks for a channel: the two meet
    /// under the admission lock, so whichever comes second sees the first's result: the channel given back (the upgrade
    /// is admitted), never a channel that is neither held nor free.
    /// </summary>
    [Fact]
    public async Task A_channel_the_gate_closes_is_free_for_the_next_upgrade_at_once()
    {
        var options = new StreamTransportOptions { MaxConnections = 1, AcceptsPerPass = 1 };
        var peers = new WebSocketPeers(options, _time, NullLogger.Instance);
        var gate = new ConnectionGate(options, peers.Counters, () => peers.Now, total: 2, peers);
        var done = new TaskCompletionSource();

        var upgraded = new StepConnection("upgraded", "127.0.1.1");
        var upgradedRun = gate.RunAsync(upgraded, connection =>
        {
            Assert.True(gate.TryAdmit(peers, connection.ConnectionId, Address(connection)));
            gate.Upgraded(connection.ConnectionId, new WebSocketChannel(Address(connection), options, peers.Now, accepted: true));
            return done.Task;
        });
        _time.Advance(TimeSpan.FromSeconds(0.5));
        var silent = new StepConnection("silent", "127.0.1.2");
        var silentRun = gate.RunAsync(silent, _ => done.Task);
        _time.Advance(TimeSpan.FromSeconds(3.5));

        // The newcomer's connection takes the upgraded (older) one's place; its upgrade then finds the channel free.
        var newcomer = new StepConnection("newcomer", "127.0.0.1");
        bool? newcomerAdmitted = null;
        var newcomerRun = gate.RunAsync(newcomer, connection =>
        {
            newcomerAdmitted = gate.TryAdmit(peers, connection.ConnectionId, Address(connection));
            return done.Task;
        });
        Assert.Equal((true, false), (upgraded.Aborted, silent.Aborted));
        Assert.True(newcomerAdmitted);
        Assert.Equal((1L, 0L), (peers.Counters.HandshakeTimeouts, peers.Counters.Refused));

        done.SetResult();
        await Task.WhenAll(upgradedRun, silentRun, newcomerRun);
    }

    private static NetAddress Address(ConnectionContext connection) => NetAddress.FromEndPoint((IPEndPoint)connection.RemoteEndPoint!, TransportKind.WebSocket);

    /// <summary>A connection from <paramref name="address"/> that records its abort (Kestrel's would close the socket).</summary>
    private sealed class StepConnection(string id, string address) : ConnectionContext
    {
        public override string ConnectionId { get; set; } = id;
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
        public override IDuplexPipe Transport { get; set; } = null!;
        public override EndPoint? RemoteEndPoint { get; set; } = new IPEndPoint(IPAddress.Parse(address), 40000);
        public bool Aborted { get; private set; }

        public override void Abort(ConnectionAbortedException abortReason) => Aborted = true;
    }
}
