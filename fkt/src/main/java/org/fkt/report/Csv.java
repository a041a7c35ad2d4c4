package org.fkt.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The RFC 4180 subset the run files use: comma-separated fields, a field quoted with double quotes
 * when it holds a comma, a quote or a line break (quotes doubled inside), lines ended by '\n'.
 */
final class Csv {
    private Csv() {
    }

    /** One line of fields, quoted where needed, without the line end. */
    static String line(List<String> fields) {
        var out = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(quote(fields.get(i)));
        }
        return out.toString();
    }

    static String quote(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    /**
     * Splits {@code text} into records of fields (quoted fields may span lines); a trailing line end
     * and '\r' before '\n' are accepted. {@code source} names the text in errors.
     */
    static List<List<String>> parse(String text, String source) {
        List<List<String>> records = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        var field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        int line = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    line += c == '\n' ? 1 : 0;
                    field.append(c);
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    if (!field.isEmpty()) {
                        throw new IllegalArgumentException(source + ": line " + line + ": a quote inside an unquoted field");
                    }
                    quoted = true;
                    any = true;
                }
                case ',' -> {
                    fields.add(field.toString());
                    field.setLength(0);
                    any = true;
                }
                case '\r' -> {
                    if (i + 1 >= text.length() || text.charAt(i + 1) != '\n') {
                        throw new IllegalArgumentException(source + ": line " + line + ": a carriage return outside quotes");
                    }
                }
                case '\n' -> {
                    fields.add(field.toString());
                    field.setLength(0);
                    records.add(fields);
                    fields = new ArrayList<>();
                    any = false;
                    line++;
                }
                default -> {
                    field.append(c);
                    any = true;
                }
            }
        }
        if (quoted) {
            throw new IllegalArgumentException(source + ": line " + line + ": a quoted field is not closed");
        }
        if (any || !field.isEmpty()) {
            fields.add(field.toString());
            records.add(fields);
        }
        return records;
    }
}
