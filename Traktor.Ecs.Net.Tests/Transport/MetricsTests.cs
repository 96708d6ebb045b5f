using System.Diagnostics.Metrics;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

public class MetricsTests
{
    [Fact]
    public void Transport_instruments_report_on_the_assembly_meter()
    {
        var totals = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Traktor.Ecs.Net") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (totals) totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + value;
        });
        listener.Start();

        using (var h = new TransportHarness())
        {
            var client = h.Connect(1);
            client.Send(ChannelKind.ReliableOrdered, [1]);
            h.Step();
            client.Disconnect();
            h.Step();
        }
        listener.RecordObservableInstruments();
        Assert.Equal(NetMetrics.MeterName, NetMetrics.Meter.Name);
        lock (totals)
        {
            Assert.True(totals.GetValueOrDefault("traktor.net.packets.sent") > 0);
            Assert.True(totals.GetValueOrDefault("traktor.net.bytes.received") > 0);
            Assert.True(totals.GetValueOrDefault("traktor.net.connections") >= 2); // both ends
            Assert.True(totals.GetValueOrDefault("traktor.net.disconnections") >= 2);
        }
    }
}
