using System.Globalization;
using System.Numerics;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Tests.Docs;
using Traktor.Ecs.Net.Tests.Peers;
using Traktor.Ecs.Net.Tests.Prediction;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// The Wireshark dissector (tools/wireshark/traktor.lua) decodes a peer mesh's shared-authority messages (docs/PROTOCOL.md
/// §13): writes (0x80), relayed claims (0x81) and destroys (0x82) down to their headers. Before, it named them all
/// "Application" and decoded nothing of them (tshark refused the traktor.shared.* fields this test asks for).
/// </summary>
public sealed class PeerDissectorTests : IDisposable
{
    private const string Tshark = "/usr/bin/tshark";

    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("traktor-peers-");

    /// <summary>The capture goes with the test.</summary>
    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public async Task The_dissector_decodes_shared_writes_relayed_claims_and_destroys()
    {
        if (!File.Exists(Tshark))
        {
            Assert.Skip($"{Tshark} is not installed (apt-get install tshark).");
        }

        string capturePath = Path.Combine(directory.FullName, "mesh.pcapng");
        using (var capture = new PcapngWriter(File.Create(capturePath)))
        using (var mesh = new SharedMesh(3, new LinkConditions(), seed: 40, capture: capture))
        {
            // Peer 1 spawns an entity (writes), peer 3 claims it (its writes; peer 2 relays the claim), peer 3 destroys it.
            Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
            mesh.Peers[0].Shared.Spawn(new ShipBody { Position = new Vector2(1, 2) });
            Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 1), 600));
            var claimer = mesh.Peers[2];
            Assert.True(claimer.Shared.TryGetEntity(new SharedId(1, 1), out var entity));
            Assert.True(claimer.Shared.RequestOwnership(entity));
            Assert.True(mesh.TickUntil(() => mesh.Peers[1].Shared.ClaimsRelayed >= 1 && mesh.Peers.All(p => p.World.Get<SharedOwner>(p.Entities().Single()).Peer == 3), 600));
            Assert.True(claimer.Shared.Destroy(entity));
            Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 0), 600));
            for (int i = 0; i < 30; i++) mesh.Tick();
        }

        string script = Path.Combine(DocsCompileTests.RepositoryRoot(), "tools", "wireshark", "traktor.lua");
        string[] fields = ["-T", "fields", "-E", "separator=;", "-E", "aggregator=,", "-e", "traktor.kind", "-e", "_ws.expert",
            "-e", "traktor.shared.type_id", "-e", "traktor.shared.creator", "-e", "traktor.shared.serial",
            "-e", "traktor.shared.claim_version", "-e", "traktor.shared.claim_peer", "-e", "traktor.shared.sequence"];
        using var tshark = new ChildProcess(Tshark, ["-X", $"lua_script:{script}", "-r", capturePath, "-Y", "traktor.kind >= 0x80", .. fields]);
        Assert.Equal(0, await tshark.WaitAsync(TimeSpan.FromSeconds(120)));
        var records = tshark.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("0x", StringComparison.Ordinal)) // stderr's notes ("running as root") are mixed in
            .Select(line => line.Split(';'))
            .SelectMany(Messages)
            .ToList();

        Assert.All(records, r => Assert.Equal("", r.Expert));
        string typeId = ShipBodySerializer.NetworkTypeId.ToString(CultureInfo.InvariantCulture);
        Assert.All(records, r => Assert.Equal(typeId, r.TypeId));
        Assert.All(records, r => Assert.Equal(("1", "1"), (r.Creator, r.Serial)));

        // Peer 1's writes under its claim (1, 1) with sequence numbers, peer 3's under (2, 3); peer 2's relay of (2, 3); the destroy under (2, 3).
        Assert.Contains(records, r => r.Kind == "0x80" && (r.Version, r.Peer, r.Sequence) == ("1", "1", "1"));
        Assert.Contains(records, r => r.Kind == "0x80" && (r.Version, r.Peer) == ("2", "3") && r.Sequence.Length > 0);
        Assert.Contains(records, r => r.Kind == "0x81" && (r.Version, r.Peer, r.Sequence) == ("2", "3", ""));
        Assert.Contains(records, r => r.Kind == "0x82" && (r.Version, r.Peer, r.Sequence) == ("2", "3", ""));

        // The packet list's summary names them too.
        using var summary = new ChildProcess(Tshark, ["-X", $"lua_script:{script}", "-r", capturePath, "-Y", "traktor.kind >= 0x80"]);
        Assert.Equal(0, await summary.WaitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("SharedWrite 1:1, claim (1, 1), sequence 1", summary.Output, StringComparison.Ordinal);
        Assert.Contains("RelayedClaim 1:1, claim (2, 3)", summary.Output, StringComparison.Ordinal);
        Assert.Contains("SharedDestroy 1:1, claim (2, 3)", summary.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Application", summary.Output, StringComparison.Ordinal);
    }

    /// <summary>The shared-authority messages of one packet's line: tshark lists each field's values in message order.</summary>
    private static IEnumerable<(string Kind, string Expert, string TypeId, string Creator, string Serial, string Version, string Peer, string Sequence)> Messages(string[] line)
    {
        string[] kinds = line[0].Split(',');
        string[] Values(int column) => line[column].Length == 0 ? [] : line[column].Split(',');
        var (types, creators, serials, versions, peers) = (Values(2), Values(3), Values(4), Values(5), Values(6));
        var sequences = new Queue<string>(Values(7));
        int shared = 0;
        foreach (string kind in kinds)
        {
            if (!kind.StartsWith("0x8", StringComparison.Ordinal)) continue;
            string sequence = kind == "0x80" && sequences.Count > 0 ? sequences.Dequeue() : "";
            yield return (kind, line[1], types.ElementAtOrDefault(shared) ?? "?", creators.ElementAtOrDefault(shared) ?? "?", serials.ElementAtOrDefault(shared) ?? "?",
                versions.ElementAtOrDefault(shared) ?? "?", peers.ElementAtOrDefault(shared) ?? "?", sequence);
            shared++;
        }
    }
}
