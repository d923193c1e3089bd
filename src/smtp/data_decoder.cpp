// DATA and BDAT content decoding; see data_decoder.hpp for the smuggling rules.
#include "smtp/data_decoder.hpp"

#include <cstring>

namespace mxkit::smtp {

void DataDecoder::start(Mode mode, std::string* content, std::size_t max_size, std::size_t max_line,
                        bool normalize) {
  *this = DataDecoder{};
  content_ = content;
  mode_ = mode;
  max_size_ = max_size;
  max_line_ = max_line;
  normalize_ = normalize;
}

void DataDecoder::emit(const char* p, std::size_t n) {
  size_ += n;
  if (size_ <= max_size_) {
    content_->append(p, n);
  } else if (!content_->empty()) {
    // Too big: the message will be refused, so its memory goes now (the rest is only counted).
    std::string().swap(*content_);
  }
}

void DataDecoder::add_to_line(std::size_t n) {
  line_ += n;
  if (line_ + 2 > max_line_) long_line_ = true;
}

// A CR or LF that is not part of CRLF. It ends nothing: the decoder stays mid-line, so neither
// a following "." nor a following CRLF can be taken for the end of the data.
void DataDecoder::bare_ending() {
  ++bare_;
  if (normalize_) emit("\r\n", 2);
  line_ = 0;
  state_ = State::Middle;
}

std::size_t DataDecoder::feed(const char* data, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    switch (state_) {
      case State::LineStart:
        if (mode_ == Mode::Dot && data[i] == '.') {
          // RFC 5321 §4.5.2: the leading dot of a line is dropped; "." alone ends the data.
          state_ = State::Dot;
          add_to_line(1);
          ++i;
        } else {
          state_ = State::Middle;
        }
        break;
      case State::Dot:
        if (data[i] == '\r') {
          state_ = State::DotCr;
          ++i;
        } else if (data[i] == '\n') {
          // "<CRLF>.<LF>": not the end. The lone dot is content (it had nothing to stuff).
          emit(".", 1);
          if (!normalize_) emit("\n", 1);
          ++i;
          bare_ending();
        } else {
          state_ = State::Middle;  // the stuffed dot is gone
        }
        break;
      case State::DotCr:
        if (data[i] == '\n') {
          done_ = true;
          return i + 1;
        }
        // "<CRLF>.<CR>x": a bare CR after a lone dot, not the end.
        emit(".", 1);
        if (!normalize_) emit("\r", 1);
        bare_ending();
        break;
      case State::Middle: {
        // The hot path: copy up to the next CR or LF in one piece, found with two memchr()
        // (vectorised in libc) rather than a loop over every octet.
        const std::size_t begin = i;
        const void* lf = std::memchr(data + i, '\n', n - i);
        const std::size_t lf_at =
            lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - data) : n;
        const void* cr = std::memchr(data + i, '\r', lf_at - i);
        i = cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - data) : lf_at;
        if (i > begin) {
          emit(data + begin, i - begin);
          add_to_line(i - begin);
        }
        if (i == n) break;
        if (data[i] == '\r') {
          state_ = State::Cr;
        } else {
          if (!normalize_) emit("\n", 1);
          bare_ending();
        }
        ++i;
        break;
      }
      case State::Cr:
        if (data[i] == '\n') {
          emit("\r\n", 2);
          line_ = 0;
          state_ = State::LineStart;
          ++i;
        } else {
          if (!normalize_) emit("\r", 1);
          bare_ending();  // data[i] is looked at again, mid-line
        }
        break;
    }
  }
  return n;
}

void DataDecoder::finish() {
  if (state_ == State::Cr) {
    if (!normalize_) emit("\r", 1);
    bare_ending();
  }
}

}  // namespace mxkit::smtp
