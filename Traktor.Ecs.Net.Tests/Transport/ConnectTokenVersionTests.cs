using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A connect token from an issuer of another library version (a backend not yet redeployed after an upgrade) is refused
/// with a message that says so. Found writing a game from the docs: after the token format moved to a new version, a join
/// through the old backend threw "Malformed connect token." from inside the join, which reads as a corrupted token.
/// </summary>
public sealed class ConnectTokenVersionTests
{
    [Theory]
    [InlineData("TRKNET09")]
    [InlineData("TRKNET14")]   // the version before destroys through the peer mesh (kind 0x82)
    [InlineData("TRKNET15")]   // the version before the disconnect reason HostGaveWay (20)
    [InlineData("TRKNET16")]   // the version before the disconnect reason LeftSession (21)
    public void A_token_of_another_protocol_version_names_both_versions(string older)
    {
        var issuer = new ConnectTokenIssuer(ConnectTokenIssuer.GenerateServerKey(), TransportHarness.ProtocolId, TimeProvider.System);
        byte[] token = issuer.Issue(7, [], TimeSpan.FromSeconds(30), [NetAddress.Parse("127.0.0.1:40000")]);
        System.Text.Encoding.ASCII.GetBytes(older).CopyTo(token, 0);   // what an issuer of an older version writes
        string ours = System.Text.Encoding.ASCII.GetString(ConnectTokenLayout.Version);
        using var client = new NetClient(new InMemoryNetwork().CreateTransport(), new NetClientOptions { ProtocolId = TransportHarness.ProtocolId });

        var refused = Assert.Throws<ArgumentException>(() => client.Connect(token));

        Assert.Equal("connectToken", refused.ParamName);
        Assert.Contains($"protocol version {older}", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"this build speaks {ours}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("another version of Traktor.Ecs.Net", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_no_token_stay_malformed()
    {
        using var client = new NetClient(new InMemoryNetwork().CreateTransport(), new NetClientOptions { ProtocolId = TransportHarness.ProtocolId });

        var tooShort = Assert.Throws<ArgumentException>(() => client.Connect(new byte[100]));
        Assert.StartsWith("Malformed connect token: 100 bytes, where a connect token has ", tooShort.Message, StringComparison.Ordinal);
        var garbage = new byte[ConnectTokenLayout.PublicSize];
        "TRKNET\u0001\u0002"u8.CopyTo(garbage);   // the family's prefix, but no version after it
        Assert.StartsWith("Malformed connect token: pass the bytes the issuer returned unchanged", Assert.Throws<ArgumentException>(() => client.Connect(garbage)).Message, StringComparison.Ordinal);
    }
}
