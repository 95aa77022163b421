// tinynet's private copy of two stb headers: stb_image_write (PNG encoder) and stb_easy_font
// (a tiny bitmap font). Both are compiled into the namespace tinynet::detail::stb with
// internal linkage (STB_IMAGE_WRITE_STATIC; stb_easy_font is all static already), so that
//   - any number of translation units may include tinynet headers, and
//   - a user who also includes stb_image_write.h or stb_easy_font.h, with or without its
//     implementation, before or after tinynet, in the same translation unit or another one,
// never gets a duplicate symbol or a redefinition. To make that work the header hides every
// macro stb defines (push_macro/pop_macro), so the user's own #include starts afresh.
#pragma once

// The C headers stb includes, pulled in here at global scope: their include guards then keep
// them out of the namespace below.
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Every macro the two headers define or test, saved here and restored after the include.
#pragma push_macro("INCLUDE_STB_IMAGE_WRITE_H")
#pragma push_macro("INCLUDE_STB_EASY_FONT_H")
#pragma push_macro("STB_IMAGE_WRITE_IMPLEMENTATION")
#pragma push_macro("STB_IMAGE_WRITE_STATIC")
#pragma push_macro("STBI_WRITE_NO_STDIO")
#pragma push_macro("STBIWDEF")
#pragma push_macro("STBIW_ASSERT")
#pragma push_macro("STBIW_EXTERN")
#pragma push_macro("STBIW_FREE")
#pragma push_macro("STBIW_MALLOC")
#pragma push_macro("STBIW_MEMMOVE")
#pragma push_macro("STBIW_REALLOC")
#pragma push_macro("STBIW_REALLOC_SIZED")
#pragma push_macro("STBIW_UCHAR")
#pragma push_macro("STBIW_ZLIB_COMPRESS")
#pragma push_macro("STBIW_CRC32")
#pragma push_macro("STBIW_WINDOWS_UTF8")
#pragma push_macro("stbiw__ZHASH")
#pragma push_macro("stbiw__max")
#pragma push_macro("stbiw__sbcount")
#pragma push_macro("stbiw__sbfree")
#pragma push_macro("stbiw__sbgrow")
#pragma push_macro("stbiw__sbm")
#pragma push_macro("stbiw__sbmaybegrow")
#pragma push_macro("stbiw__sbn")
#pragma push_macro("stbiw__sbneedgrow")
#pragma push_macro("stbiw__sbpush")
#pragma push_macro("stbiw__sbraw")
#pragma push_macro("stbiw__wp32")
#pragma push_macro("stbiw__wpng4")
#pragma push_macro("stbiw__wptag")
#pragma push_macro("stbiw__zlib_add")
#pragma push_macro("stbiw__zlib_flush")
#pragma push_macro("stbiw__zlib_huff")
#pragma push_macro("stbiw__zlib_huff1")
#pragma push_macro("stbiw__zlib_huff2")
#pragma push_macro("stbiw__zlib_huff3")
#pragma push_macro("stbiw__zlib_huff4")
#pragma push_macro("stbiw__zlib_huffa")
#pragma push_macro("stbiw__zlib_huffb")

#undef INCLUDE_STB_IMAGE_WRITE_H
#undef INCLUDE_STB_EASY_FONT_H
#undef STBI_WRITE_NO_STDIO
#undef STBIWDEF
#undef STBIW_ASSERT
#undef STBIW_EXTERN
#undef STBIW_FREE
#undef STBIW_MALLOC
#undef STBIW_MEMMOVE
#undef STBIW_REALLOC
#undef STBIW_REALLOC_SIZED
#undef STBIW_UCHAR
#undef STBIW_ZLIB_COMPRESS
#undef STBIW_CRC32
#undef STBIW_WINDOWS_UTF8
#undef stbiw__ZHASH
#undef stbiw__max
#undef stbiw__sbcount
#undef stbiw__sbfree
#undef stbiw__sbgrow
#undef stbiw__sbm
#undef stbiw__sbmaybegrow
#undef stbiw__sbn
#undef stbiw__sbneedgrow
#undef stbiw__sbpush
#undef stbiw__sbraw
#undef stbiw__wp32
#undef stbiw__wpng4
#undef stbiw__wptag
#undef stbiw__zlib_add
#undef stbiw__zlib_flush
#undef stbiw__zlib_huff
#undef stbiw__zlib_huff1
#undef stbiw__zlib_huff2
#undef stbiw__zlib_huff3
#undef stbiw__zlib_huff4
#undef stbiw__zlib_huffa
#undef stbiw__zlib_huffb
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBIW_ASSERT(x) assert(x)  // so that <assert.h> is not included inside the namespace

// stb is C written for many compilers; its warnings are not ours to fix.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunknown-warning-option"
#pragma clang diagnostic ignored "-Wunused-function"
#pragma clang diagnostic ignored "-Wunused-variable"
#pragma clang diagnostic ignored "-Wunused-parameter"
#pragma clang diagnostic ignored "-Wsign-compare"
#pragma clang diagnostic ignored "-Wmissing-field-initializers"
#pragma clang diagnostic ignored "-Wimplicit-fallthrough"
#pragma clang diagnostic ignored "-Wcast-qual"
#pragma clang diagnostic ignored "-Wcast-align"
#pragma clang diagnostic ignored "-Wold-style-cast"
#pragma clang diagnostic ignored "-Wconversion"
#pragma clang diagnostic ignored "-Wsign-conversion"
#pragma clang diagnostic ignored "-Wdouble-promotion"
#pragma clang diagnostic ignored "-Wzero-as-null-pointer-constant"
#pragma clang diagnostic ignored "-Wshadow"
#pragma clang diagnostic ignored "-Wcomma"
#pragma clang diagnostic ignored "-Wextra-semi-stmt"
#pragma clang diagnostic ignored "-Wpedantic"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wuseless-cast"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wzero-as-null-pointer-constant"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#elif defined(_MSC_VER)
#pragma warning(push, 0)
#endif

namespace tinynet::detail::stb {
#include <stb_image_write.h>
#include <stb_easy_font.h>
}  // namespace tinynet::detail::stb

#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#elif defined(_MSC_VER)
#pragma warning(pop)
#endif

#pragma pop_macro("INCLUDE_STB_IMAGE_WRITE_H")
#pragma pop_macro("INCLUDE_STB_EASY_FONT_H")
#pragma pop_macro("STB_IMAGE_WRITE_IMPLEMENTATION")
#pragma pop_macro("STB_IMAGE_WRITE_STATIC")
#pragma pop_macro("STBI_WRITE_NO_STDIO")
#pragma pop_macro("STBIWDEF")
#pragma pop_macro("STBIW_ASSERT")
#pragma pop_macro("STBIW_EXTERN")
#pragma pop_macro("STBIW_FREE")
#pragma pop_macro("STBIW_MALLOC")
#pragma pop_macro("STBIW_MEMMOVE")
#pragma pop_macro("STBIW_REALLOC")
#pragma pop_macro("STBIW_REALLOC_SIZED")
#pragma pop_macro("STBIW_UCHAR")
#pragma pop_macro("STBIW_ZLIB_COMPRESS")
#pragma pop_macro("STBIW_CRC32")
#pragma pop_macro("STBIW_WINDOWS_UTF8")
#pragma pop_macro("stbiw__ZHASH")
#pragma pop_macro("stbiw__max")
#pragma pop_macro("stbiw__sbcount")
#pragma pop_macro("stbiw__sbfree")
#pragma pop_macro("stbiw__sbgrow")
#pragma pop_macro("stbiw__sbm")
#pragma pop_macro("stbiw__sbmaybegrow")
#pragma pop_macro("stbiw__sbn")
#pragma pop_macro("stbiw__sbneedgrow")
#pragma pop_macro("stbiw__sbpush")
#pragma pop_macro("stbiw__sbraw")
#pragma pop_macro("stbiw__wp32")
#pragma pop_macro("stbiw__wpng4")
#pragma pop_macro("stbiw__wptag")
#pragma pop_macro("stbiw__zlib_add")
#pragma pop_macro("stbiw__zlib_flush")
#pragma pop_macro("stbiw__zlib_huff")
#pragma pop_macro("stbiw__zlib_huff1")
#pragma pop_macro("stbiw__zlib_huff2")
#pragma pop_macro("stbiw__zlib_huff3")
#pragma pop_macro("stbiw__zlib_huff4")
#pragma pop_macro("stbiw__zlib_huffa")
#pragma pop_macro("stbiw__zlib_huffb")
