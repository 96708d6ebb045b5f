using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Attack review 28: a player connects over real loopback sockets (UDP, TCP; WebSocket since attack review 29) to a game server whose game logic is a Lua
/// script, and sends it hostile RPC values: NaN and ±infinity floats, 64-bit extremes, a name of invalid UTF-8 and one at
/// its 63-byte limit, a value that drives the script into an endless loop, a burst past the RPC rate limit, a kind the
/// server allows but the script never mapped, a kind the server does not allow and a kind no registry knows. An honest
/// player beside it sends a normal RPC every few ticks. The script sees the values docs/SCRIPTING.md and
/// docs/SECURITY.md write (attack review 23's, now over the wire), its own misuse of them fails at its line, the endless
/// loop is stopped by the instruction budget, the drops are counted by reason, and the honest player's RPCs are handled.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed class HostileScriptRpcSocketTests
{
    private const string Script = """
        honest, flood, hostile, loops = 0, 0, 0, 0
        values = {}
        function Script:probe(p, sender)
          if p.small == 7 and not p.flag then honest = honest + 1 return end
          if not p.flag then flood = flood + 1 return end
          hostile = hostile + 1
          if p.small == 1000000000 then
            loops = loops + 1
            for i = 1, p.small do end
          end
          values[#values + 1] = table.concat({ tostring(p.speed ~= p.speed), tostring(p.mass), tostring(p.aim.x),
            tostring(p.aim.y ~= p.aim.y), tostring(p.aim.z), math.type(p.big), tostring(p.big), tostring(p.huge),
            tostring(p.small), tostring(#p.name), tostring(utf8.len(p.name) ~= nil) }, " ")
          local seen = {}
          seen[p.speed] = true
        end
        """;

    [Theory]
    [InlineData(SocketWire.Udp)]
    [InlineData(SocketWire.Tcp)]
    [InlineData(SocketWire.WebSocket)]
    public void Hostile_rpc_values_reach_a_lua_server_as_documented_and_the_honest_player_keeps_playing(SocketWire wire)
    {
        using var rig = new Rig(wire);
        var script = rig.Scripts.Load("server.lua", Script);
        rig.ConnectBoth();

        var invalid = new byte[FixedString64.Capacity];
        Array.Fill(invalid, (byte)0xFF);
        Assert.True(FixedString64.TryFromUtf8(invalid, out var invalidName));
        var longest = new FixedString64(new string('x', FixedString64.Capacity));
        var hostile = new[]
        {
            new LuaProbeRpc { Flag = true, Speed = float.NaN, Mass = double.PositiveInfinity, Aim = new Vector3(float.NegativeInfinity, float.NaN, float.MaxValue),
                Name = invalidName, Big = long.MinValue, Huge = ulong.MaxValue, Small = int.MinValue },
            new LuaProbeRpc { Flag = true, Speed = BitConverter.Int32BitsToSingle(-1), Mass = double.NegativeInfinity, Aim = new Vector3(float.Epsilon, float.NaN, -0f),
                Name = longest, Big = long.MaxValue, Huge = 0, Small = int.MaxValue },
            new LuaProbeRpc { Flag = true, Speed = 1, Mass = double.NaN, Aim = new Vector3(1, float.NaN, 2), Small = 1_000_000_000 },
        };
        foreach (var probe in hostile) rig.AttackerWorld.SendRpc(probe, RpcTarget.Server);
        // A burst past the server's RPC bucket (240), then the rate (2 a tick at 60 Hz is 120 a second) for a second; then,
        // with the bucket refilled, a kind the server allows but no script mapped, one it does not allow from clients, and
        // one no registry knows.
        for (int i = 0; i < 300; i++) rig.AttackerWorld.SendRpc(new LuaProbeRpc { Small = 1000 + i }, RpcTarget.Server);
        for (int tick = 0; tick < 120; tick++)
        {
            if (tick < 60)
            {
                rig.AttackerWorld.SendRpc(new LuaProbeRpc { Small = 1000 + tick }, RpcTarget.Server);
                rig.AttackerWorld.SendRpc(new LuaProbeRpc { Small = 1000 + tick }, RpcTarget.Server);
            }

            if (tick == 90)
            {
                rig.AttackerWorld.SendRpc(new FireCommand { Weapon = 3 }, RpcTarget.Server);
                rig.AttackerWorld.SendRpc(new ScoreAnnouncement { Score = 1 }, RpcTarget.Server);
                rig.SendUnknownKind();
            }

            if (tick % 10 == 0) rig.HonestWorld.SendRpc(new LuaProbeRpc { Small = 7 }, RpcTarget.Server);
            rig.Tick();
        }

        Assert.True(rig.TickUntil(() => Global(script, "honest") >= 12, 600), $"the honest player's RPCs were not all handled: {Report(rig, script)}");
        rig.Tick(30);
        string report = Report(rig, script);
        TestContext.Current.TestOutputHelper?.WriteLine(report);

        // The server never failed, and both players are still connected: nothing the attacker sent was a violation.
        Assert.Equal(0, rig.Net.Counters.InternalErrors);
        Assert.Equal(ClientState.Connected, rig.HonestState);
        Assert.Equal(3, Global(script, "hostile"));
        Assert.Equal(12, Global(script, "honest"));
        var values = script.GetGlobal("values").AsTable!.Items.Select(v => v.AsString).ToList();
        // The first probe's line ends at its NaN table key, the second's too; the third is the endless loop, stopped.
        Assert.Equal(
        [
            "true inf -inf true 3.4028234663853e+38 integer -9223372036854775808 9223372036854775807 -2147483648 189 true",
            "true -inf 1.4012984643248e-45 true -0.0 integer 9223372036854775807 0 2147483647 63 true",
        ], values);
        Assert.Equal(1, Global(script, "loops"));
        var errors = script.Errors.ToList();
        Assert.Equal(2, errors.Count(e => e.Kind == ScriptErrorKind.Runtime && e.Line == 15 && e.Message.Contains("index is NaN")));
        Assert.Contains(errors, e => e.Kind == ScriptErrorKind.InstructionBudget && e.Line == 9);
        Assert.True(script.PeakMemoryBytes < new LuaScriptOptions().MemoryLimitBytes, report);

        // What the server dropped is counted by reason: the burst past its bucket, the kinds it does not take.
        var counters = rig.AttackerRpcCounters;
        Assert.True(counters.DroppedFor(RpcDropReason.RateLimited) >= 50, report);
        Assert.Equal(1, counters.DroppedFor(RpcDropReason.WrongDirection));
        Assert.Equal(1, counters.DroppedFor(RpcDropReason.UnknownType));
        // The FireCommand reached the world (the game's C# may read it) and no script handler: no error names it.
        Assert.Equal(3, Assert.Single(rig.Fires.Received).Rpc.Weapon);
        Assert.DoesNotContain(errors, e => e.Message.Contains("fire", StringComparison.OrdinalIgnoreCase));
        // The flood RPCs the server took reached the script within MaxRpcHandlersPerTick (64) a tick; the burst's excess is
        // not handled, and a Limit error says so.
        long flood = Global(script, "flood");
        Assert.True(flood >= 64 && flood <= counters.Received - 3 - 1, report);
        Assert.Contains(errors, e => e.Kind == ScriptErrorKind.Limit);
    }

    private static long Global(LuaScript script, string name) => script.GetGlobal(name).AsInteger;

    private static string Report(Rig rig, LuaScript script) =>
        $"honest {Global(script, "honest")}, hostile {Global(script, "hostile")}, flood {Global(script, "flood")}, loops {Global(script, "loops")}; "
        + $"attacker rpcs {rig.AttackerRpcCounters}; attacker {rig.AttackerState}; errors: {string.Join(" | ", script.Errors.Select(e => $"{e.Kind}@{e.Line}: {e.Message}"))}";

    /// <summary>A Lua-scripted game server on one real transport, an honest player and an attacker, one fake clock.</summary>
    private sealed class Rig : IDisposable
    {
        private readonly FakeTimeProvider _time = new(TransportHarness.Start);
        private readonly LoopbackGameServer _loopback;
        private readonly NetworkClient _honest;
        private readonly NetworkClient _attacker;
        private readonly Group<float> _honestGroup;
        private readonly Group<float> _attackerGroup;
        private readonly Group<float> _serverGroup;
        private readonly RpcServer _rpcs;
        private ConnectionId? _attackerConnection;

        public Rig(SocketWire wire)
        {
            _loopback = new LoopbackGameServer(wire, _time);
            ServerWorld = World.Create();
            var server = new NetworkServer(ServerWorld, Net, RpcWorld.Replicated, new ServerReplicationOptions());
            _rpcs = new RpcServer(server, RpcWorld.Rpcs, new RpcOptions(), _time).AllowFromClients<LuaProbeRpc>().AllowFromClients<FireCommand>();
            Scripts = new ScriptHost(new ScriptServices { Rpcs = new ScriptRpcMap().Map<LuaProbeRpc>("probe"), Time = _time }, world: ServerWorld);
            Fires = new RpcRecorder<FireCommand>(ServerWorld);
            _serverGroup = new Group<float>("server", server, Scripts.System, Fires);
            server.ClientConnected += (connection, clientId) =>
            {
                if (clientId == 2) _attackerConnection = connection;
            };

            (HonestWorld, _honest, _honestGroup) = Player();
            (AttackerWorld, _attacker, _attackerGroup) = Player();
        }

        public NetServer Net => _loopback.Net;

        public World ServerWorld { get; }

        public ScriptHost Scripts { get; }

        /// <summary>The FireCommands the server's world received (a kind no script mapped).</summary>
        public RpcRecorder<FireCommand> Fires { get; }

        public World HonestWorld { get; }

        public World AttackerWorld { get; }

        public ClientState HonestState => _honest.Transport.State;

        public ClientState AttackerState => _attacker.Transport.State;

        public RpcCounters AttackerRpcCounters => _rpcs.TryGetCounters(_attackerConnection!.Value, out var counters) ? counters : new RpcCounters();

        public void ConnectBoth()
        {
            _honest.Transport.Connect(_loopback.Token(1));
            _attacker.Transport.Connect(_loopback.Token(2));
            Assert.True(TickUntil(() => HonestState == ClientState.Connected && AttackerState == ClientState.Connected && _attackerConnection is not null, 3000),
                $"the players did not connect: honest {HonestState}, attacker {AttackerState}");
        }

        /// <summary>An RPC message of a type id no registry has (the typed client cannot send one).</summary>
        public void SendUnknownKind() =>
            Assert.Equal(SendResult.Queued, _attacker.Transport.Send(ChannelKind.ReliableOrdered, [RpcFormat.ClientRpcMessage, 0xFF, 0xFF, 1, 2, 3]));

        public bool TickUntil(Func<bool> done, int maxTicks) => LoopbackGameServer.TickUntil(done, maxTicks, () => Tick());

        public void Tick(int count = 1)
        {
            float dt = 1f / 60f;
            for (int i = 0; i < count; i++)
            {
                _time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
                _honestGroup.Tick(in dt);
                _attackerGroup.Tick(in dt);
                _serverGroup.Tick(in dt);
                Thread.Sleep(1);
            }
        }

        private (World World, NetworkClient Client, Group<float> Group) Player()
        {
            var world = World.Create();
            var client = new NetworkClient(world, _loopback.Client(), RpcWorld.Replicated, 60, _time);
            _ = new RpcClient(client, RpcWorld.Rpcs);
            return (world, client, new Group<float>("player", client));
        }

        public void Dispose()
        {
            Scripts.Dispose();
            HonestWorld.Dispose();
            AttackerWorld.Dispose();
            ServerWorld.Dispose();
            _loopback.Dispose();
        }
    }
}
