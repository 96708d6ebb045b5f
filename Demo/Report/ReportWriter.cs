using System.Text.Json;
using System.Text.Json.Serialization;
using Demo.Run;

namespace Demo.Report;

/// <summary>Writes the run's figures as JSON (for tools and tests) and as a self-contained HTML report.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <summary>Writes report.json and report.html into the run folder and returns the report with their paths.</summary>
    public static async Task<RunReport> WriteAsync(RunReport report)
    {
        var written = report with
        {
            HtmlPath = Path.Combine(report.OutputFolder, "report.html"),
            JsonPath = Path.Combine(report.OutputFolder, "report.json"),
        };
        await File.WriteAllTextAsync(written.JsonPath, JsonSerializer.Serialize(written, Json)).ConfigureAwait(false);
        await File.WriteAllTextAsync(written.HtmlPath, HtmlReport.Render(written)).ConfigureAwait(false);
        return written;
    }
}
