using Demo;

namespace Traktor.Ecs.Net.Tests.Demo;

public class DemoOptionsTests
{
    [Fact]
    public void No_arguments_mean_the_full_demo_with_its_documented_defaults()
    {
        var options = DemoOptions.Parse([]);
        Assert.Equal(DemoMode.All, options.Mode);
        Assert.Equal(8, options.Bots);
        Assert.Equal(100, options.RoundTripMs);
        Assert.Equal(2, options.LossPercent);
        Assert.Equal(30, options.DurationSeconds);
        Assert.False(options.Headless);
    }

    [Fact]
    public void Every_option_is_parsed()
    {
        var options = DemoOptions.Parse(["--client", "127.0.0.1:4000", "--bots", "3", "--latency", "40", "--loss", "5.5", "--duration", "7", "--headless", "--out", "/tmp/x"]);
        Assert.Equal(DemoMode.Client, options.Mode);
        Assert.Equal(4000, options.ServerAddress!.Port);
        Assert.Equal((3, 40.0, 5.5, 7.0, true, "/tmp/x"), (options.Bots, options.RoundTripMs, options.LossPercent, options.DurationSeconds, options.Headless, options.OutputFolder));
        Assert.Equal(DemoOptions.DefaultServerPort, DemoOptions.Parse(["--server"]).Port);
    }

    [Theory]
    [InlineData("--client", "192.168.1.10:4000")]
    [InlineData("--client", "nohost")]
    [InlineData("--bots", "-1")]
    [InlineData("--loss", "abc")]
    [InlineData("--frobnicate", "1")]
    public void Mistakes_are_refused_with_a_message(string name, string value) =>
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse([name, value]));
}
