using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>
/// Punch and PunchAck packets carry a tag with the session's punch key (docs/PROTOCOL.md §14, traversal version 2 and later): a
/// party that learned a route id but not the key cannot divert the path, and peers with different keys never punch.
/// </summary>
public class PunchAuthenticationTests
{
    [Fact]
    public void Peers_without_the_same_punch_key_refuse_each_others_punches_and_fall_back_to_the_relay()
    {
        using var scene = new NatScene(NatKind.PortRestricted, NatKind.PortRestricted); // these two punch with one key (NatTraversalTests)
        scene.HostSide.Host(scene.Rendezvous, RandomNumberGenerator.GetBytes(32));
        Assert.True(scene.RunUntil(() => !scene.HostSide.PublicAddress.IsNone));
        scene.JoinerSide.Join(scene.Rendezvous, RandomNumberGenerator.GetBytes(32));
        Assert.True(scene.RunUntil(() => scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress) is NatPath.Direct or NatPath.Relayed));

        Assert.Equal(NatPath.Relayed, scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress));
        Assert.True(scene.HostSide.Forged > 0 && scene.JoinerSide.Forged > 0, $"{scene.HostSide.Forged} {scene.JoinerSide.Forged}");
    }

    [Fact]
    public void Someone_who_learned_the_route_id_cannot_divert_the_punched_path()
    {
        using var scene = new NatScene(NatKind.FullCone, NatKind.PortRestricted); // a full-cone host lets anyone's datagrams in
        using var attacker = scene.Internet.CreateTransport(NetAddress.Parse("192.0.2.66:4000"));
        byte[] key = RandomNumberGenerator.GetBytes(32);
        scene.HostSide.Host(scene.Rendezvous, key);
        Assert.True(scene.RunUntil(() => !scene.HostSide.PublicAddress.IsNone));
        scene.JoinerSide.Join(scene.Rendezvous, key);

        // The attacker reads the route id off the wire (here: the introducer's Introduce) and races the real punches.
        Assert.True(scene.RunUntil(() => scene.RelayWire.Sent.Any(s => s.Data.Length > 2 && s.Data[0] == 0x0F && s.Data[2] == 3), 50));
        ulong route = BinaryPrimitives.ReadUInt64LittleEndian(scene.RelayWire.Sent.First(s => s.Data[2] == 3).Data.AsSpan(19));
        foreach (byte kind in new byte[] { 4, 5 })
        {
            var forged = new byte[35];
            forged[0] = 0x0F;
            forged[1] = 3;
            forged[2] = kind;
            BinaryPrimitives.WriteUInt64LittleEndian(forged.AsSpan(3), route);
            RandomNumberGenerator.Fill(forged.AsSpan(11));                // a nonce and a guessed tag
            Assert.True(attacker.TrySend(forged, scene.HostSide.PublicAddress));
        }

        scene.Step();
        Assert.Equal(2, scene.HostSide.Forged);
        Assert.True(scene.RunUntil(() => scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress) is NatPath.Direct or NatPath.Relayed));
        Assert.Equal(NatPath.Direct, scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress));
        Assert.True(scene.RunUntil(() => scene.HostSide.GetPath(scene.JoinerSide.PublicAddress) == NatPath.Direct));
        Assert.False(attacker.TryReceive(new byte[2048], out _, out _));  // the host never answered, nor sent it anything
    }
}
