using Demo.Bots;
using Demo.Game;
using Demo.Telemetry;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Demo.Run;

/// <summary>The listen-server mode (<c>--host</c>).</summary>
public sealed partial class DemoRunner
{
    /// <summary>The client id of the host's own pilot (bots and joiners from other processes get others).</summary>
    public const int HostPilotId = 1;

    private async Task<RunReport> RunHostAsync(string folder, CancellationToken cancellationToken)
    {
        string capturePath = Path.Combine(folder, "capture.pcapng");
        using var capture = new PcapngWriter(File.Create(capturePath));
        // --nat: the host behind its own simulated NAT, registered with an introducer (its own unless one is given).
        var rendezvous = Guid.NewGuid();
        IntroducerThread? ownIntroducer = null;
        NatTraversal? hostNat = null;
        NetAddress introducerAddress = default;
        if (options.Nat is { } kind)
        {
            if (options.IntroducerAddress is { } given)
            {
                introducerAddress = NetAddress.FromEndPoint(given);
            }
            else
            {
                ownIntroducer = new IntroducerThread(new Introducer(new UdpTransport(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0))));
                introducerAddress = ownIntroducer.Introducer.LocalAddress;
            }

            hostNat = DemoNat.Behind(kind, introducerAddress);
            hostNat.Host(rendezvous);
        }

        var socket = hostNat ?? DemoTransports.Listen(options.Transport, options.Port, log);
        using var server = new ArenaServer(socket, Link(), privateKey: null, capture, options.Asteroids, log, localBots: options.Bots, hostPilotId: HostPilotId, snapshotRate: options.SnapshotRate);
        var pilot = server.HostPilot!;
        string transportOption = options.Transport == TransportKind.Udp ? "" : $" --transport {DemoTransports.Names.First(n => n.Value == options.Transport).Key}";
        var traversals = options.Nat is { } botNat ? Enumerable.Range(0, options.Bots).Select(_ => DemoNat.Behind(botNat, introducerAddress)).ToList() : [];
        var bots = Enumerable.Range(0, options.Bots).Select(i => new BotClient(100 + i, $"bot-{i + 1:00}", Link(), insecure: true, log, options.Transport, options.ScriptPath,
            socket: traversals.Count > 0 ? traversals[i] : null)).ToList();
        try
        {
            var recorder = new TelemetryRecorder(server, bots);
            using var profiler = StartProfiler(server, bots);
            var loop = new GameLoop(server, bots, null, recorder, view) { Profiler = profiler };
            if (hostNat is null)
            {
                view.Message($"host on {DemoTransports.Describe(server.Address)} (insecure mode, for LAN/development): pilot {HostPilotId} plays in the server world, {options.Bots} bots join over the network");
                view.Message($"join from another process with: dotnet run --project Demo -c Release -- --client {server.Address.ToEndPoint()}{transportOption}");
                bots.ForEach(b => b.ConnectInsecure(server.Address));
            }
            else
            {
                // The introducer tells the host its public endpoint; the bots, each behind its own NAT, are introduced and punch (or relay).
                if (!loop.Run(20, "introduce", () => !hostNat.PublicAddress.IsNone, cancellationToken))
                {
                    log.Error($"the introducer at {introducerAddress} did not answer the host within 20 s");
                }

                string nat = DemoOptions.NatName(options.Nat!.Value);
                view.Message($"host behind a simulated {nat} NAT at {hostNat.PublicAddress} (insecure mode), introducer {introducerAddress}{(ownIntroducer is null ? "" : " (in this process)")}, rendezvous {rendezvous}");
                view.Message($"join from another process with: dotnet run --project Demo -c Release -- --client {hostNat.PublicAddress.ToEndPoint()} --nat KIND --introducer-address {introducerAddress.ToEndPoint()} --rendezvous {rendezvous}");
                traversals.ForEach(t => t.Join(rendezvous));
                if (!loop.Run(BotClient.ConnectTimeout.TotalSeconds, "introduce", () => traversals.All(DemoNat.Reached), cancellationToken))
                {
                    log.Error($"only {traversals.Count(DemoNat.Reached)} of {traversals.Count} bots reached the host through their NATs");
                }

                view.Message($"bots behind {nat} NATs reached the host: {traversals.Count(t => t.GetPath(t.HostAddress) == NatPath.Direct)} punched, {traversals.Count(t => t.GetPath(t.HostAddress) == NatPath.Relayed)} relayed");
                for (int i = 0; i < bots.Count; i++)
                {
                    bots[i].ConnectInsecure(traversals[i].HostAddress);
                }
            }

            var health = new HealthWindow(bots, server);
            double played = Play(loop, bots, health.Start, cancellationToken);
            var clientHealth = health.End(played);
            var natPaths = traversals.Select(t => t.GetPath(t.HostAddress).ToString()).ToList();

            // Freeze the world and let every bot catch up, then compare each bot's view with the host's world.
            server.Match.Frozen = true;
            pilot.Idle = true;
            bots.ForEach(b => b.Brain.Idle = true);
            loop.Run(0.5, "settle", null, CancellationToken.None);
            loop.Run(4.0, "settle", () => bots.All(b => ConvergenceCheck.Compare(server, b).Converged), CancellationToken.None);
            var convergence = bots.Select(b => ConvergenceCheck.Compare(server, b)).ToList();
            var hostInputs = server.InputsOf(HostPilotId);
            var bytesByKind = BytesByKind(server);
            var inputs = server.InputTotals();
            int connected = bots.Count(b => b.EverConnected);
            bots.ForEach(b => b.Disconnect());
            loop.Run(0.3, "leave", null, CancellationToken.None);
            view.Message($"host pilot: {pilot.Inputs.Sent} inputs handed to the server without a network hop ({hostInputs?.Accepted ?? 0} accepted), {pilot.ShotsRequested} fire requests");
            await Task.CompletedTask;
            return BaseReport(folder, played, cancellationToken, recorder, server, bots) with
            {
                BotsConnected = connected,
                InputsAccepted = inputs.Accepted,
                InputsLate = inputs.Late,
                InputsMissing = inputs.Missing,
                HostPilotInputs = hostInputs?.Accepted ?? 0,
                NatPaths = natPaths,
                ClientHealth = clientHealth,
                Convergence = convergence,
                BytesByKind = bytesByKind,
                SnapshotBitsByComponent = BitsByComponent(server),
                CapturedPackets = capture.PacketCount,
                CapturePath = capturePath,
            };
        }
        finally
        {
            bots.ForEach(b => b.Dispose());
            if (ownIntroducer is not null)
            {
                ownIntroducer.Dispose();
                ownIntroducer.Introducer.Dispose();
            }
        }
    }
}
