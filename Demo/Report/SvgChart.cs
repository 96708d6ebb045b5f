using System.Globalization;
using System.Net;
using System.Text;

namespace Demo.Report;

/// <summary>Small inline SVG charts (line and bar), so the report is one self-contained file with no scripts.</summary>
public static class SvgChart
{
    private const int Width = 720;
    private const int Height = 260;
    private const int Left = 56;
    private const int Right = 170;
    private const int Top = 16;
    private const int Bottom = 32;

    private static readonly string[] Palette =
        ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#d62728"];

    /// <summary>A line chart of named series over a shared x axis (seconds).</summary>
    public static string Lines(string title, string unit, IReadOnlyList<double> x, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series)
    {
        var c = CultureInfo.InvariantCulture;
        var svg = Begin(title);
        double maxX = x.Count == 0 ? 1 : Math.Max(1e-9, x.Max());
        double maxY = Nice(series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        Axes(svg, maxX, maxY, unit);
        for (int s = 0; s < series.Count; s++)
        {
            var points = new StringBuilder();
            var values = series[s].Values;
            for (int i = 0; i < Math.Min(x.Count, values.Count); i++)
            {
                points.Append(c, $"{X(x[i], maxX):F1},{Y(values[i], maxY):F1} ");
            }

            string color = Palette[s % Palette.Length];
            svg.Append(c, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" points=\"{points}\"/>");
            Legend(svg, s, series[s].Name, color);
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>A horizontal bar chart.</summary>
    public static string Bars(string title, string unit, IReadOnlyList<(string Name, double Value)> bars)
    {
        var c = CultureInfo.InvariantCulture;
        int height = Top + Bottom + (bars.Count * 28);
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-label=\"{Html(title)}\">");
        double max = Math.Max(1e-9, bars.Select(b => b.Value).DefaultIfEmpty(0).Max());
        const int labelWidth = 230;
        for (int i = 0; i < bars.Count; i++)
        {
            double y = Top + (i * 28);
            double w = (Width - labelWidth - 120) * bars[i].Value / max;
            svg.Append(c, $"<text x=\"{labelWidth - 8}\" y=\"{y + 17}\" text-anchor=\"end\" class=\"label\">{Html(bars[i].Name)}</text>");
            svg.Append(c, $"<rect x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{Math.Max(1, w):F1}\" height=\"18\" fill=\"{Palette[i % Palette.Length]}\"/>");
            svg.Append(c, $"<text x=\"{labelWidth + w + 6:F1}\" y=\"{y + 17}\" class=\"label\">{bars[i].Value:N1} {Html(unit)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static StringBuilder Begin(string title) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Html(title)}\">");

    private static void Axes(StringBuilder svg, double maxX, double maxY, string unit)
    {
        var c = CultureInfo.InvariantCulture;
        for (int i = 0; i <= 4; i++)
        {
            double value = maxY * i / 4;
            double y = Y(value, maxY);
            svg.Append(c, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" class=\"grid\"/>");
            svg.Append(c, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\" class=\"tick\">{Format(value)}</text>");
        }

        for (int i = 0; i <= 5; i++)
        {
            double value = maxX * i / 5;
            svg.Append(c, $"<text x=\"{X(value, maxX):F1}\" y=\"{Height - 12}\" text-anchor=\"middle\" class=\"tick\">{value:F0} s</text>");
        }

        svg.Append(c, $"<text x=\"{Left}\" y=\"{Top - 4}\" class=\"tick\">{Html(unit)}</text>");
    }

    private static void Legend(StringBuilder svg, int index, string name, string color)
    {
        var c = CultureInfo.InvariantCulture;
        double y = Top + 6 + (index * 16);
        svg.Append(c, $"<rect x=\"{Width - Right + 10}\" y=\"{y - 8:F0}\" width=\"10\" height=\"10\" fill=\"{color}\"/>");
        svg.Append(c, $"<text x=\"{Width - Right + 26}\" y=\"{y + 1:F0}\" class=\"label\">{Html(name)}</text>");
    }

    private static double X(double value, double max) => Left + ((Width - Left - Right) * value / max);

    private static double Y(double value, double max) => Height - Bottom - ((Height - Top - Bottom) * value / max);

    /// <summary>Rounds a maximum up to 1, 2 or 5 × a power of ten, so the grid lines fall on readable values.</summary>
    private static double Nice(double max)
    {
        if (max <= 0)
        {
            return 1;
        }

        double power = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (double step in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (max <= step * power)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    private static string Format(double value) => value >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture) : value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
