using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Docs;
using Traktor.Ecs.Net.Tests.Peers;
using Traktor.Ecs.Net.Tests.Prediction;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// The Wireshark dissector (tools/wireshark/traktor.lua) decodes host migration's messages (docs/PROTOCOL.md §15): a peer's
/// standby (0x88) and the host's plan (0x89), down to every field, and a plan too long for one packet as far as its first
/// fragment goes. Before, it named both "Application" and decoded nothing of them (tshark refused the traktor.migration.*
/// fields this test asks for). The messages are the real encoders' bytes, sent over a real link with a plaintext capture.
/// </summary>
public sealed class MigrationDissectorTests : IDisposable
{
    private const string Tshark = "/usr/bin/tshark";

    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("traktor-migration-");

    /// <summary>The capture goes with the test.</summary>
    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public async Task The_dissector_decodes_standby_announcements_and_migration_plans()
    {
        if (!File.Exists(Tshark))
        {
            Assert.Skip($"{Tshark} is not installed (apt-get install tshark).");
        }

        string capturePath = Path.Combine(directory.FullName, "migration.pcapng");
        using (var capture = new PcapngWriter(File.Create(capturePath)))
        using (var mesh = new SharedMesh(2, new LinkConditions(), seed: 88, capture: capture))
        {
            Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 1), 600));
            var standby = new byte[MigrationPlan.StandbyBytes];
            MigrationPlan.WriteStandby(standby, Enumerable.Repeat((byte)0xAB, 32).ToArray(), NetAddress.Parse("[2001:db8::7]:40007"));

            // A plan as a listen server's host sends it (one successor without a token: the recipient), and a plan with two
            // tokens (2,186 bytes), which travels in fragments.
            var small = new MigrationPlan { Epoch = 2, Version = 7, Tick = 1234, NextNetworkId = 99, Host = 1 };
            small.Candidates.Add((2, NetAddress.Parse("[2001:db8::2]:40002"), []));
            small.Owners.Add((5, 2, true));
            small.Owners.Add((6, 1, false));
            var large = new MigrationPlan { Epoch = 3, Version = 1, Tick = 5000, NextNetworkId = 120, Host = 1 };
            large.Candidates.Add((3, NetAddress.Parse("[2001:db8::3]:40003"), new byte[1024]));
            large.Candidates.Add((4, NetAddress.Parse("[2001:db8::4]:40004"), new byte[1024]));

            Assert.True(mesh.Peers[1].Mesh.Send(1, ChannelKind.ReliableOrdered, standby));
            foreach (var plan in new[] { small, large })
            {
                // A tick apart and more, so that each goes in packets of its own.
                var bytes = new byte[plan.Size];
                Assert.Equal(bytes.Length, plan.Write(bytes));
                Assert.True(mesh.Peers[0].Mesh.Send(2, ChannelKind.ReliableOrdered, bytes));
                for (int i = 0; i < 30; i++) mesh.Tick();
            }
        }

        string script = Path.Combine(DocsCompileTests.RepositoryRoot(), "tools", "wireshark", "traktor.lua");
        string[] fields = ["-T", "fields", "-E", "separator=;", "-E", "aggregator=,", "-e", "traktor.kind", "-e", "_ws.expert",
            "-e", "traktor.migration.standby_key", "-e", "traktor.migration.address_type", "-e", "traktor.migration.address",
            "-e", "traktor.migration.port", "-e", "traktor.migration.epoch", "-e", "traktor.migration.version",
            "-e", "traktor.migration.tick", "-e", "traktor.migration.next_network_id", "-e", "traktor.migration.host",
            "-e", "traktor.migration.successors", "-e", "traktor.migration.successor", "-e", "traktor.migration.has_token",
            "-e", "traktor.migration.owners", "-e", "traktor.migration.owner_network_id", "-e", "traktor.migration.owner",
            "-e", "traktor.migration.is_player"];
        using var tshark = new ChildProcess(Tshark, ["-X", $"lua_script:{script}", "-r", capturePath, "-Y", "traktor.kind >= 0x88", .. fields]);
        Assert.Equal(0, await tshark.WaitAsync(TimeSpan.FromSeconds(120)));
        var lines = tshark.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("0x", StringComparison.Ordinal)) // stderr's notes ("running as root") are mixed in
            .Select(line => line.Split(';'))
            .ToList();

        // Each packet is in the capture twice (as its sender sealed it and as its receiver opened it), or more if resent.
        // The standby: its key, a UDP address and port.
        var standbyLines = lines.Where(l => l[0] == "0x88").ToList();
        Assert.NotEmpty(standbyLines);
        Assert.All(standbyLines, l => Assert.Equal(["0x88", "", string.Concat(Enumerable.Repeat("ab", 32)), "1", "2001:db8::7", "40007"], l[..6]));

        // The small plan, whole: header, its successor, its two owners.
        var smallLines = lines.Where(l => l[0] == "0x89" && l[6] == "2").ToList();
        Assert.NotEmpty(smallLines);
        Assert.All(smallLines, l => Assert.Equal(["0x89", "", "", "1", "2001:db8::2", "40002", "2", "7", "1234", "99", "1", "1", "2", "0", "2", "5,6", "2,1", "1,0"], l));

        // The large plan's first fragment (1,1xx bytes): the header, the first successor with its token, the second
        // successor without its token (cut by the fragment) and no owners; no warning.
        var largeLines = lines.Where(l => l[0] == "0x89" && l[6] == "3").ToList();
        Assert.NotEmpty(largeLines);
        Assert.All(largeLines, l => Assert.Equal(["0x89", "", "", "1,1", "2001:db8::3,2001:db8::4", "40003,40004", "3", "1", "5000", "120", "1", "2", "3,4", "1,1", "", "", "", ""], l));
        Assert.Equal(lines.Count, standbyLines.Count + smallLines.Count + largeLines.Count);

        // The packet list's summary names them too.
        using var summary = new ChildProcess(Tshark, ["-X", $"lua_script:{script}", "-r", capturePath, "-Y", "traktor.kind >= 0x88"]);
        Assert.Equal(0, await summary.WaitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("Standby [2001:db8::7]:40007", summary.Output, StringComparison.Ordinal);
        Assert.Contains("MigrationPlan epoch 2 version 7, 1 successors, 2 owners", summary.Output, StringComparison.Ordinal);
        Assert.Contains("MigrationPlan epoch 3 version 1, 2 successors (more in the next fragments)", summary.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Application", summary.Output, StringComparison.Ordinal);
    }
}
