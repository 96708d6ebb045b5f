using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="NetClientOptions"/>' handshake times and <see cref="NetPeerOptions.AckDelay"/> are checked when a client is
/// made (attack review 29, the options audit attack review 28 left). Before, none was: a zero or negative
/// <see cref="NetClientOptions.ConnectTimeout"/> gave up on every address at the first update, a zero
/// <see cref="NetClientOptions.ChallengeTimeout"/> skipped every address but the last, a zero resend interval repeated the
/// handshake at every update, and <see cref="TimeSpan.MaxValue"/> was taken for any of them.
/// </summary>
public sealed class ClientTimeoutOptionsValidationTests
{
    public static TheoryData<string, TimeSpan> BadTimes => new()
    {
        { nameof(NetClientOptions.ConnectTimeout), TimeSpan.Zero },
        { nameof(NetClientOptions.ConnectTimeout), TimeSpan.FromSeconds(-5) },
        { nameof(NetClientOptions.ConnectTimeout), NetClientOptions.ConnectTimeoutLimit + TimeSpan.FromTicks(1) },
        { nameof(NetClientOptions.ConnectTimeout), TimeSpan.MaxValue },
        { nameof(NetClientOptions.ChallengeTimeout), TimeSpan.Zero },
        { nameof(NetClientOptions.ChallengeTimeout), TimeSpan.MinValue },
        { nameof(NetClientOptions.ChallengeTimeout), NetClientOptions.ConnectTimeoutLimit + TimeSpan.FromTicks(1) },
        { nameof(NetClientOptions.ChallengeTimeout), TimeSpan.MaxValue },
        { nameof(NetClientOptions.HandshakeResendInterval), TimeSpan.Zero },
        { nameof(NetClientOptions.HandshakeResendInterval), TimeSpan.FromMilliseconds(-100) },
        { nameof(NetClientOptions.HandshakeResendInterval), TimeSpan.FromSeconds(6) },
        { nameof(NetClientOptions.HandshakeResendInterval), TimeSpan.FromSeconds(1) + TimeSpan.FromTicks(1) }, // past half the 2 s ChallengeTimeout
        { nameof(NetClientOptions.HandshakeResendInterval), TimeSpan.MaxValue },
        { nameof(NetPeerOptions.AckDelay), TimeSpan.FromMilliseconds(-1) },
        { nameof(NetPeerOptions.AckDelay), TimeSpan.FromMilliseconds(101) },
        { nameof(NetPeerOptions.AckDelay), TimeSpan.MaxValue },
    };

    [Theory]
    [MemberData(nameof(BadTimes))]
    public void A_handshake_or_ack_time_out_of_range_is_refused_when_the_client_is_made(string option, TimeSpan value)
    {
        var options = new NetClientOptions { ProtocolId = 1, Insecure = true };
        typeof(NetClientOptions).GetProperty(option)!.SetValue(options, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new NetClient(new InMemoryNetwork().CreateTransport(), options, new FakeTimeProvider(), ownsTransport: true));
        Assert.Equal(option, refused.ParamName);
    }

    /// <summary>
    /// The resend interval is bounded by half the shorter timeout, so an address is asked at least twice before it is given
    /// up. Before, anything up to <see cref="NetClientOptions.ConnectTimeout"/> was taken: 5 s against a 2 s challenge
    /// timeout asked each address but the last once, and 1 s against a 1 s connect timeout asked the last once.
    /// </summary>
    [Theory]
    [InlineData(2000, 5000, 1001)]
    [InlineData(2000, 5000, 5000)]
    [InlineData(10_000, 1000, 600)]
    [InlineData(10_000, 1000, 1000)]
    public void A_resend_interval_past_half_the_shorter_timeout_is_refused(int challengeMs, int connectMs, int resendMs)
    {
        var options = ResendOptions(challengeMs, connectMs, resendMs);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new NetClient(new InMemoryNetwork().CreateTransport(), options, new FakeTimeProvider(), ownsTransport: true));
        Assert.Equal(nameof(NetClientOptions.HandshakeResendInterval), refused.ParamName);
    }

    [Theory]
    [InlineData(2000, 5000, 1000)]
    [InlineData(10_000, 1000, 500)]
    public void A_resend_interval_of_half_the_shorter_timeout_is_taken(int challengeMs, int connectMs, int resendMs)
    {
        var options = ResendOptions(challengeMs, connectMs, resendMs);
        using var client = new NetClient(new InMemoryNetwork().CreateTransport(), options, new FakeTimeProvider(), ownsTransport: true);
    }

    [Fact]
    public void The_bounds_themselves_are_taken()
    {
        // The documented limit (docs/TRANSPORT.md): the backend's longest connect token.
        Assert.Equal(TimeSpan.FromHours(1), NetClientOptions.ConnectTimeoutLimit);
        var options = new NetClientOptions
        {
            ProtocolId = 1,
            Insecure = true,
            ConnectTimeout = NetClientOptions.ConnectTimeoutLimit,
            ChallengeTimeout = NetClientOptions.ConnectTimeoutLimit,
            HandshakeResendInterval = NetClientOptions.ConnectTimeoutLimit / 2,
            AckDelay = TimeSpan.FromMilliseconds(100),
        };
        using var client = new NetClient(new InMemoryNetwork().CreateTransport(), options, new FakeTimeProvider(), ownsTransport: true);
        using var zeroDelay = new NetClient(new InMemoryNetwork().CreateTransport(), new NetClientOptions { ProtocolId = 1, Insecure = true, AckDelay = TimeSpan.Zero },
            new FakeTimeProvider(), ownsTransport: true);
    }

    private static NetClientOptions ResendOptions(int challengeMs, int connectMs, int resendMs) => new()
    {
        ProtocolId = 1,
        Insecure = true,
        ChallengeTimeout = TimeSpan.FromMilliseconds(challengeMs),
        ConnectTimeout = TimeSpan.FromMilliseconds(connectMs),
        HandshakeResendInterval = TimeSpan.FromMilliseconds(resendMs),
    };
}
