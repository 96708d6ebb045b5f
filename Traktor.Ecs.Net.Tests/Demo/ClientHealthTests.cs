using Demo;
using Demo.Console;
using Demo.Run;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>The Demo's verdict judges every client's corrections and input arrivals, not only convergence.</summary>
public class ClientHealthTests
{
    [Fact]
    public void A_corrections_storm_fails_the_client()
    {
        // One bot of a reported run: 1,100 corrections in 30 s, while the run said OK.
        var storm = new ClientHealth("pilot-03", 30, 1100, 1700, 100, 40, 0);
        Assert.False(storm.Healthy);
        Assert.Contains("1100 prediction corrections", storm.Problem, StringComparison.Ordinal);
        Assert.InRange(storm.CorrectionsPerSecond, 36, 37);
    }

    [Fact]
    public void Inputs_that_stop_arriving_fail_the_client()
    {
        // The 32-bot run: 6,692 ticks without input against 1,212 with one.
        var starved = new ClientHealth("pilot-17", 30, 12, 1212, 6692, 3, 5000);
        Assert.False(starved.Healthy);
        Assert.Contains("6692 of 7904 server ticks without its input", starved.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Figures_at_the_limits_are_healthy_and_just_above_are_not()
    {
        Assert.True(new ClientHealth("a", 10, 200, 500, 500, 0, 0).Healthy);   // 20/s, 50 %
        Assert.False(new ClientHealth("b", 10, 201, 500, 0, 0, 0).Healthy);
        Assert.False(new ClientHealth("c", 10, 0, 499, 501, 0, 0).Healthy);
        Assert.True(new ClientHealth("remote", 10, 3, 0, 0, 0, 0).Healthy);    // no server in this process: corrections only
    }

    [Fact]
    public void One_unhealthy_client_fails_a_run_that_otherwise_converged()
    {
        var healthy = new ClientHealth("pilot-01", 30, 4, 1790, 10, 2, 0);
        var report = new RunReport
        {
            Options = new DemoOptions { Bots = 2 },
            OutputFolder = "/tmp/none",
            PlayedSeconds = 30,
            BotsRequested = 2,
            BotsConnected = 2,
            Convergence = [new ConvergenceResult("pilot-01", 5, 5, 0, 0, 0), new ConvergenceResult("pilot-02", 5, 5, 0, 0, 0)],
            ClientHealth = [healthy, healthy with { Bot = "pilot-02" }],
        };
        Assert.Equal(0, report.ExitCode);

        var failed = report with { ClientHealth = [healthy, new ClientHealth("pilot-02", 30, 1100, 1700, 100, 40, 0)] };
        Assert.Equal(1, failed.ExitCode);
        var summary = SummaryText.Lines(failed).ToList();
        Assert.Contains(summary, line => line.Contains("UNHEALTHY pilot-02", StringComparison.Ordinal));
        Assert.Equal("result: FAILED", summary[^1]);
    }
}
